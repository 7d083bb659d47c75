"""Contextual token features for ``bench/train_ner.py --ctx minilm`` (training side).

    scripts/install-contextual.sh        # MiniLM weights (no torch) + tokenizers
    .venv/bin/python -m bench.train_ner --mode tune ... --ctx minilm --ctx-dense 64

Every token gets a vector from ``streams.nlp.minilm.MiniLM.token_vectors`` (the same code
the tagger runs). ``streams.nlp.discovery.ContextFeatures.fit`` learns k-means centroids
(k = 64 / 256 / 1024) and, with ``--ctx-dense N``, a whitened N-dimensional PCA from the
vectors of the *fitting* documents only (unsupervised: no labels are used); the CRF then
sees the cluster ids (for the token and its neighbours) and the N real values. The model
is uncased, so a document and its lower-cased copy share vectors. Vectors are cached in
``/tmp`` per token sequence (the encoder costs ~15-20 ms per tweet on one core).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import time
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from streams.nlp.discovery import ContextFeatures  # noqa: E402

CACHE = Path("/tmp/repwatch-ner-minilm-vectors-v2.pkl")
LAYERS = (4, 5, 6)


def _key(toks: Sequence[str]) -> str:
    return hashlib.sha1("\x1f".join(t.lower() for t in toks).encode()).hexdigest()


class ContextProvider:
    """Vector cache + fitted :class:`ContextFeatures`; ``strings``/``dense`` per document."""

    def __init__(self) -> None:
        self.vectors: dict[str, np.ndarray] = pickle.loads(CACHE.read_bytes()) if CACHE.exists() else {}
        self.features: ContextFeatures | None = None
        self._done: dict[str, tuple[list[list[str]], list[dict[str, float]]]] = {}

    def ensure(self, docs: Sequence[Sequence[str]]) -> None:
        missing: dict[str, list[str]] = {}
        for d in docs:
            if d and _key(d) not in self.vectors:
                missing[_key(d)] = list(d)
        if not missing:
            return
        from streams.nlp.minilm import MiniLM

        enc = MiniLM()
        c0 = time.process_time()
        keys = list(missing)
        for k, v in zip(keys, enc.token_vectors([missing[k] for k in keys], LAYERS), strict=True):
            self.vectors[k] = v
        print(f"MiniLM token vectors for {len(keys)} docs in {time.process_time() - c0:.0f} CPU-s", file=sys.stderr)
        CACHE.write_bytes(pickle.dumps(self.vectors))

    def fit(self, docs: Sequence[Sequence[str]], n_dense: int, clusters: bool) -> None:
        self.ensure(docs)
        uniq = {_key(d): self.vectors[_key(d)] for d in docs if d}
        c0 = time.process_time()
        self.features = ContextFeatures.fit(list(uniq.values()), ks=(64, 256, 1024) if clusters else (),
                                            n_dense=n_dense, layers=LAYERS)
        print(f"context features fitted on {sum(len(v) for v in uniq.values())} tokens in "
              f"{time.process_time() - c0:.0f} CPU-s", file=sys.stderr)

    @property
    def n_dense(self) -> int:
        return self.features.n_dense if self.features is not None else 0

    def _get(self, toks: Sequence[str]) -> tuple[list[list[str]], list[dict[str, float]]]:
        assert self.features is not None
        key = _key(toks)
        if key not in self._done:
            self.ensure([toks])
            self._done[key] = self.features.features(self.vectors[key])
        return self._done[key]

    def tag(self, toks: Sequence[str]) -> list[list[str]]:
        return self._get(toks)[0] if toks else []

    def dense(self, toks: Sequence[str]) -> list[dict[str, float]]:
        return self._get(toks)[1] if toks else []
