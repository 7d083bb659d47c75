"""Entity discovery: tokenizer, features, BIO decoding, ids, and the CRF wrapper on a tiny model."""

from __future__ import annotations

import json
from pathlib import Path

import pycrfsuite
import pytest

from streams.errors import ConfigError
from streams.nlp.discovery import (
    CrfDiscoverer,
    Gazetteer,
    WordClusters,
    bio_spans,
    combine_aux,
    doc_features,
    normalise_surface,
    read_conll,
    tokenize,
    watchlist_keys,
    word_shape,
)
from streams.watchlist import parse_watchlist


def test_tokenize_keeps_tweet_units_with_offsets() -> None:
    text = "@united lost my #guitar :( see https://t.co/x1 don't, it's Dave's"
    toks = tokenize(text)
    words = [t for t, _, _ in toks]
    assert words == ["@united", "lost", "my", "#guitar", ":(", "see", "https://t.co/x1",
                     "do", "n't", ",", "it", "'s", "Dave", "'s"]
    for w, s, e in toks:
        assert text[s:e] == w


def test_bio_spans() -> None:
    tags = ["B-person", "I-person", "O", "I-location", "B-product", "B-product", "I-group"]
    assert bio_spans(tags) == [(0, 2, "person"), (3, 4, "location"), (4, 5, "product"),
                               (5, 6, "product"), (6, 7, "group")]
    assert bio_spans([]) == []


def test_normalise_surface_merges_hashtag_and_name_forms() -> None:
    assert normalise_surface("#TaylorSwift") == normalise_surface("Taylor Swift") == "taylorswift"
    assert normalise_surface("@") == ""


def test_features_reflect_shape_context_and_aux() -> None:
    feats = doc_features(["Dave", "loves", "#Kindle", ""], aux=[["e=B-PERSON"], [], [], []])
    assert "sh=Xxx" in feats[0] and "BOS" in feats[0] and "x=e=B-PERSON" in feats[0]
    assert "-1:x=e=B-PERSON" in feats[1]
    assert "k=HASH" in feats[2] and "c=kindle" in feats[2]
    assert "EOS" in feats[3]
    assert word_shape("iPhone12") == "xXxxdd"


def test_gazetteer_longest_match(tmp_path: Path) -> None:
    p = tmp_path / "g.tsv"
    p.write_text("# c\nnew york\tCITY\nyork\tCITY\nemma\tFIRST\n", encoding="utf-8")
    g = Gazetteer.load(p)
    assert g.tag(["I", "love", "New", "York", "#emma"]) == [[], [], ["g=B-CITY"], ["g=I-CITY"], ["g=B-FIRST"]]


def test_word_clusters_lookup_and_fallbacks(tmp_path: Path) -> None:
    p = tmp_path / "c.tsv"
    p.write_text("# clusters\n#k\t32\t512\nlondon\t3\t17\niphone\t5\t40\n", encoding="utf-8")
    c = WordClusters.load(p)
    assert c.tag(["London", "#iPhone", "zzqx"]) == [["c32=3", "c512=17"], ["c32=5", "c512=40"], ["c=UNK"]]
    aux = combine_aux([["London", "x"]], [[["pos=PROPN"], ["pos=X"]]], None, c)
    assert aux == [[["pos=PROPN", "c32=3", "c512=17"], ["pos=X", "c=UNK"]]]


def test_read_conll_ignores_extra_columns_and_blank_runs() -> None:
    lines = ["Hi\tO\tx\n", "Dave\tB-person\n", "\n", "\n", "  \n", "ok\n"]
    docs = read_conll(lines)
    assert [[r[0] for r in d] for d in docs] == [["Hi", "Dave"], ["ok"]]


def _tiny_model(tmp_path: Path) -> Path:
    """A CRF trained in milliseconds on a toy corpus: capitalised word after 'met' is a person."""
    trainer = pycrfsuite.Trainer(verbose=False)
    names = ["Alice", "Bob", "Carol", "Dave", "Erin", "Frank"]
    for i, n in enumerate(names):
        toks = ["I", "met", n, "at", "#" + names[(i + 1) % len(names)].lower() + "corp", "today"]
        trainer.append(doc_features(toks), ["O", "O", "B-person", "O", "B-corporation", "O"])
    trainer.set_params({"c2": 0.01, "max_iterations": 50})
    path = tmp_path / "tiny.crfsuite"
    trainer.train(str(path))
    path.with_suffix(".json").write_text(json.dumps({"aux": "none"}), encoding="utf-8")
    return path


def test_discoverer_ids_offsets_and_watchlist_exclusion(tmp_path: Path) -> None:
    model = _tiny_model(tmp_path)
    text = "I met Zoe at #acmecorp today"
    (hits,) = CrfDiscoverer(model).discover_batch([text])
    by_kind = {h.kind: h for h in hits}
    assert by_kind["person"].entity_id == "discovered:person:zoe"
    assert by_kind["person"].source == "ner"
    assert text[by_kind["person"].start : by_kind["person"].end] == "Zoe"
    assert by_kind["corporation"].entity_id == "discovered:corporation:acmecorp"
    wl = parse_watchlist("entities:\n  - {id: acme, name: Acme Corp, hashtags: ['#acmecorp']}\n")
    (hits,) = CrfDiscoverer(model, exclude_keys=watchlist_keys(wl)).discover_batch([text])
    assert [h.kind for h in hits] == ["person"]
    assert CrfDiscoverer(model).discover_batch(["", "   "]) == [[], []]


def test_missing_model_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        CrfDiscoverer(tmp_path / "nope.crfsuite")


def test_shipped_model_loads_and_finds_obvious_entities() -> None:
    """The committed artefact (CRF + gazetteer + spaCy features) works end to end."""
    from streams.nlp.discovery import load_discoverer

    wl = parse_watchlist("entities:\n  - {id: paris-co, name: Paris}\n")
    disc = load_discoverer(wl)
    assert disc.uses_spacy and disc.o_threshold is not None
    (hits, none) = disc.discover_batch(["Barack Obama landed in London with Paris Hilton", "lol ok"])
    got = {(h.kind, h.entity_id) for h in hits}
    assert ("person", "discovered:person:barackobama") in got
    assert ("location", "discovered:location:london") in got
    assert not any(h.entity_id.endswith(":paris") for h in hits)  # watchlist form dropped
    assert none == []


def test_v2_features_quotes_caps_runs_and_camel_tags() -> None:
    toks = ["i", "watched", '"', "The", "Dark", "Knight", '"', "#TaylorSwift"]
    feats = doc_features(toks, v2=True)
    assert "inq" in feats[3] and "inq" in feats[5] and "inq" not in feats[1]
    assert any(f.startswith("caprun=") and f.endswith("|3|B") for f in feats[3])
    assert "camel=HASH" in feats[7]
    assert not any(f.startswith(("inq", "caprun=", "camel=")) for f in doc_features(toks)[3])


# --- hashtag discovery ----------------------------------------------------------------------


def test_hashtag_discoverer_ids_offsets_and_exclusions() -> None:
    from streams.nlp.discovery import HashtagDiscoverer

    wl = parse_watchlist("version: 1\nentities:\n  - {id: amazon-kindle, name: Kindle, team: t, hashtags: ['#kindle']}\n")
    d = HashtagDiscoverer(watchlist_keys(wl))
    text = "#AmazonFail again!! my #Kindle ate #1984 see http://x.co/#anchor #1 C#x @bob#tag #amazonfail"
    hits = d.discover(text)
    assert [h.entity_id for h in hits] == ["discovered:hashtag:amazonfail"]  # once, first occurrence
    (h,) = hits
    assert (text[h.start:h.end], h.source, h.kind) == ("#AmazonFail", "hashtag", "hashtag")
    # '#1984' has no letter, '#Kindle' is a watchlist form, URL fragments and glued '#' are not hashtags
    assert d.discover("no tags here") == [] and d.discover("#1 #2024") == []
    assert [x.entity_id for x in d.discover("#TaylorSwift_Fan and #unité")] == [
        "discovered:hashtag:taylorswiftfan", "discovered:hashtag:unité"]


def test_enricher_drops_hashtags_a_watchlist_hit_covers_and_keeps_campaign_tags() -> None:
    from streams.enrich import Enricher
    from streams.nlp import build_discoverer, build_matcher, build_sentiment
    from streams.schemas import decode_mention
    from streams.settings import DEFAULT_WATCHLIST
    from streams.watchlist import load_watchlist

    wl = load_watchlist(DEFAULT_WATCHLIST)
    enricher = Enricher(build_matcher(wl), build_sentiment("default"), build_discoverer(False, wl, hashtags=True))
    texts = ["baggage handlers throwing guitars, classy @United #unitedbreaksguitars #customerservice",
             "no entity here but #DeleteGate is trending", "nothing at all", "#amazonfail"]
    mentions = [decode_mention(json.dumps({
        "id": f"m{i}", "platform": "twitter", "author": {"id": "a", "handle": "@a", "followers": 1},
        "text": t, "lang": "en", "created_at": "2026-01-01T00:00:00Z"}).encode()) for i, t in enumerate(texts)]
    ok, failed = enricher.enrich(mentions)  # type: ignore[arg-type]
    assert not failed
    ids = {e.mention.id: sorted(h.entity_id for h in e.entities) for e in ok}
    # '#unitedbreaksguitars' and '#amazonfail' are watchlist entities (matcher hashtag rules), not new ones
    assert ids == {"m0": ["discovered:hashtag:customerservice", "united-airlines"],
                   "m1": ["discovered:hashtag:deletegate"], "m3": ["amazon-kindle"]}
    assert build_discoverer(False, wl) is None


def test_ner_and_hashtags_combined_keep_the_typed_ner_hit() -> None:
    from streams.nlp import EntityHit
    from streams.nlp.discovery import CombinedDiscoverer, HashtagDiscoverer

    class FakeNer:
        def discover_batch(self, texts: list[str]) -> list[list[EntityHit]]:
            return [[EntityHit("discovered:person:taylorswift", "#TaylorSwift", 4, 16, "ner", "person")]
                    for _ in texts]

    (hits,) = CombinedDiscoverer([FakeNer(), HashtagDiscoverer()]).discover_batch(["wow #TaylorSwift #eras"])
    assert [h.entity_id for h in hits] == ["discovered:person:taylorswift", "discovered:hashtag:eras"]


# --------------------------------------------------------------------------- contextual features


def test_context_features_clusters_dense_and_round_trip(tmp_path: Path) -> None:
    """Cluster ids are the nearest centroid; dense values are the whitened projection; a zero
    vector (a token the encoder did not see) gets neither; save/load keeps everything."""
    import numpy as np

    from streams.nlp.discovery import ContextFeatures, with_dense

    cents = {2: np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], np.float32)}
    mean = np.zeros(3, np.float32)
    proj = np.array([[2.0], [0.0], [0.0]], np.float32)
    cf = ContextFeatures(cents, mean, proj, layers=(5, 6))
    vecs = np.array([[0.9, 0.1, 0.0], [0.1, 0.95, 0.0], [0.0, 0.0, 0.0]], np.float32)
    strings, dense = cf.features(vecs)
    assert strings == [["ctx2=0"], ["ctx2=1"], []]
    assert dense[0] == {"e0": pytest.approx(1.8)} and dense[2] == {}
    cf.save(tmp_path / "f.npz")
    back = ContextFeatures.load(tmp_path / "f.npz")
    assert back.layers == (5, 6) and back.n_dense == 1
    assert back.features(vecs) == (strings, dense)
    assert with_dense([["a", "a", "b"]], [{"e0": 0.5}]) == [{"a": 1.0, "b": 1.0, "e0": 0.5}]
    assert ContextFeatures.load(tmp_path / "f.npz").features(np.zeros((0, 3), np.float32)) == ([], [])


def test_context_features_fit_learns_from_vectors_only() -> None:
    import numpy as np

    from streams.nlp.discovery import ContextFeatures

    rng = np.random.default_rng(0)
    a = rng.normal([5, 0, 0], 0.1, (200, 3))
    b = rng.normal([0, 5, 0], 0.1, (200, 3))
    vecs = [(x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32) for x in (a, b)]
    cf = ContextFeatures.fit(vecs, ks=(2,), n_dense=2)
    (sa, _), (sb, _) = cf.features(vecs[0][:3]), cf.features(vecs[1][:3])
    assert len({s[0] for s in sa}) == 1 and len({s[0] for s in sb}) == 1 and sa[0] != sb[0]
    assert cf.n_dense == 2


def test_minilm_missing_weights_is_a_config_error_naming_the_fix(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from streams.nlp.minilm import MiniLM

    monkeypatch.setenv("RRM_MINILM_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match="lacks model.safetensors.*install-contextual"):
        MiniLM()


def test_contextual_setting_needs_the_weights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from streams.settings import load_settings

    monkeypatch.setenv("RRM_MINILM_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match="RRM_NER: .*contextual.*install-contextual"):
        load_settings(ner="contextual")


def test_minilm_token_vectors_one_unit_row_per_token() -> None:
    """The real encoder (installed by scripts/install-contextual.sh): one unit vector per
    given token however it splits into word pieces, case-insensitive, context-dependent."""
    import numpy as np

    from streams.nlp.minilm import MiniLM

    enc = MiniLM()
    a, b, c, empty = enc.token_vectors(
        [["Apple", "unveils", "the", "iPhone"], ["apple", "UNVEILS", "the", "iphone"],
         ["I", "ate", "an", "apple"], []]
    )
    assert a.shape == (4, 384) and empty.shape == (0, 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-4)
    assert np.allclose(a, b, atol=1e-5)  # uncased
    assert float(a[0] @ c[3]) < 0.99  # same word, different context: different vectors


def test_contextual_model_loads_and_finds_obvious_entities() -> None:
    """The committed contextual artefact (CRF + MiniLM features) works end to end."""
    from streams.nlp.discovery import load_discoverer

    wl = parse_watchlist("entities:\n  - {id: paris-co, name: Paris}\n")
    disc = load_discoverer(wl, contextual=True)
    (hits, none) = disc.discover_batch(["Barack Obama landed in London with Paris Hilton", "lol ok"])
    got = {(h.kind, h.entity_id) for h in hits}
    assert ("person", "discovered:person:barackobama") in got
    assert ("location", "discovered:location:london") in got
    assert not any(h.entity_id.endswith(":paris") for h in hits)
    assert none == []


def test_ner_contextual_setting_builds_the_contextual_tagger() -> None:
    from streams.pipeline import build_enricher
    from streams.settings import load_settings
    from streams.watchlist import load_watchlist

    settings = load_settings(ner="contextual")
    enricher = build_enricher(settings, load_watchlist(settings.watchlist))
    assert enricher.discoverer is not None and enricher.discoverer._ctx is not None
    fast = build_enricher(load_settings(ner="on"), load_watchlist(settings.watchlist)).discoverer
    assert fast is not None and fast._ctx is None
