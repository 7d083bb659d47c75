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
# Two pytest processes side by side (2 cores): the Prometheus/Alertmanager tier
# (`-m prometheus`; its end-to-end paging runs are paced in wall time, so it mostly
# waits) in the background, everything else in the foreground. Together they run
# every test exactly once; the background tier's output is printed after the
# foreground one. Every test picks free ports and its own temp dirs.
prom_log=$(mktemp)
trap 'rm -f "$prom_log"' EXIT
set +e
"$PY" -m pytest -q --timeout=900 --durations=10 -m prometheus "$@" tests >"$prom_log" 2>&1 &
prom_pid=$!
"$PY" -m pytest -q --timeout=900 --durations=25 -m "not prometheus" "$@" tests
rc_main=$?
wait "$prom_pid"
rc_prom=$?
set -e
echo "== tests: Prometheus/Alertmanager tier (ran alongside)"
cat "$prom_log"

# pytest exit 5 = no tests collected. Without arguments each tier must collect
# tests; with a selection (-k, a path...) one tier may legitimately be empty, but
# not both.
SELECTED=0
[ "$#" -gt 0 ] && SELECTED=1
fail5() { echo "pytest collected no tests in the $1 tier: failing (exit 5)" >&2; }
if [ "$rc_main" -eq 5 ] && [ "$rc_prom" -eq 5 ]; then
  fail5 "main and the prometheus"
  exit 1
fi
rc=0
for tier in "main:$rc_main" "prometheus:$rc_prom"; do
  name=${tier%%:*}
  code=${tier##*:}
  if [ "$code" -eq 5 ]; then
    if [ "$SELECTED" = 0 ]; then fail5 "$name"; rc=1; fi
  elif [ "$code" -ne 0 ]; then
    rc=$code
  fi
done
exit "$rc"
