# repwatch — two commands do all the set-up on a fresh machine:
#   make demo   # venv + install + embedded broker + worker + Kindle 1984 replay + summary
#   make test   # venv + install + lint + unit + integration (+ promtool/helm tiers)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
SCENARIO ?= kindle-1984

.PHONY: venv demo test test-unit test-fast lint bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	VENV=$(VENV) bash scripts/install-contextual.sh
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/repwatch demo --scenario $(SCENARIO)

lint: $(STAMP)
	$(VENV)/bin/ruff check streams detectors tests bench
	$(VENV)/bin/mypy detectors

test: $(STAMP)
	bash scripts/test.sh

test-unit: $(STAMP)
	$(PY) -m pytest -q -m "not integration and not slow and not prometheus and not helm" tests

bench: $(STAMP)
	$(PY) -m bench.run_all

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
