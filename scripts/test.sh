#!/usr/bin/env bash
# The README's test command (make test) runs this; .ci/run calls make test.
# Installs what the tiers need (Debian prometheus/alertmanager for the rule and
# paging tiers), then runs lint and every test tier. pytest exit 5 (no tests
# collected) is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PY=$VENV/bin/python

if [ -x scripts/install-system-deps.sh ]; then
  scripts/install-system-deps.sh
fi

echo "== lint"
"$VENV/bin/ruff" check streams detectors tests bench
"$VENV/bin/mypy" detectors

echo "== tests"
set +e
"$PY" -m pytest -q --timeout=900 --durations=25 "$@" tests
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: failing (exit 5)" >&2
  exit 1
fi
exit "$rc"
