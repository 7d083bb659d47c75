"""`repwatch entities --conll IN --out OUT` on a tiny CRF (no spaCy, no shipped model needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pycrfsuite

from streams.cli import main
from streams.nlp.discovery import doc_features


def _tiny_model(tmp_path: Path) -> Path:
    trainer = pycrfsuite.Trainer(verbose=False)
    for n in ["Alice", "Bob", "Carol", "Dave", "Erin", "Frank"]:
        trainer.append(doc_features(["I", "met", n, "today"]), ["O", "O", "B-person", "O"])
    trainer.set_params({"c2": 0.01, "max_iterations": 50})
    path = tmp_path / "tiny.crfsuite"
    trainer.train(str(path))
    path.with_suffix(".json").write_text(json.dumps({"aux": "none"}), encoding="utf-8")
    return path


def test_tags_every_token_keeping_documents(tmp_path: Path) -> None:
    src = tmp_path / "in.conll"
    src.write_text("I\tO\tx\nmet\tO\nZoe\tB-person\ntoday\tO\n\n\nhello\tO\n", encoding="utf-8")
    out = tmp_path / "out.conll"
    rc = main(["entities", "--conll", str(src), "--out", str(out), "--model", str(_tiny_model(tmp_path))])
    assert rc == 0
    docs = out.read_text(encoding="utf-8").split("\n\n")
    rows = [[line.split("\t") for line in d.strip("\n").split("\n")] for d in docs if d.strip()]
    assert [[r[0] for r in d] for d in rows] == [["I", "met", "Zoe", "today"], ["hello"]]
    assert all(len(r) == 2 for d in rows for r in d)
    assert rows[0][2][1] == "B-person"
    allowed = {"O"} | {f"{p}-{t}" for p in "BI" for t in
                       ("person", "location", "corporation", "group", "product", "creative-work")}
    assert {r[1] for d in rows for r in d} <= allowed


def test_missing_input_is_a_clear_error(tmp_path: Path, capsys) -> None:
    rc = main(["entities", "--conll", str(tmp_path / "nope"), "--out", str(tmp_path / "o")])
    assert rc == 2
    assert "--conll" in capsys.readouterr().err


def test_contextual_model_tags_a_file(tmp_path: Path, capsys) -> None:
    """--contextual: the shipped CRF + MiniLM model (real encoder) through the CLI."""
    src = tmp_path / "in.conll"
    src.write_text("Barack\nObama\nlanded\nin\nLondon\n\nlol\n", encoding="utf-8")
    out = tmp_path / "out.conll"
    assert main(["entities", "--contextual", "--conll", str(src), "--out", str(out)]) == 0
    tags = [line.split("\t")[1] for line in out.read_text(encoding="utf-8").splitlines() if line]
    assert tags == ["B-person", "I-person", "O", "O", "B-location", "O"]
    assert main(["entities", "--contextual", "--model", "x.crfsuite", "--conll", str(src), "--out", "-"]) == 2
    assert "--model and --contextual are exclusive" in capsys.readouterr().err
