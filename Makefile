# `make run` sets up, builds the index and serves the app; `make check` is the fast tier; `make test` runs everything.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
FAST := not model and not corpus and not browser and not postgres and not cluster and not office and not ocr

.PHONY: setup setup-dev index run lint check test evaluate lock soak

# The runtime lock for serving; the dev lock adds test, lint and benchmark tools to the same pins.
$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m index.embedding
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.runtime

setup-dev: $(VENV)/.dev

# Exit status 1 means some files failed and the rest were published: still serve.
index: setup
	$(PY) -m ingest || [ $$? -eq 1 ]

run: index
	$(PY) -m search_app

lint: setup-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# Fast tier: lint and every test that needs neither the real model nor the full-corpus index.
check: lint
	$(PY) -m pytest -m "$(FAST)"

# Everything: the fast tier, the full-corpus index, the citation audit, the ranking regression check, then the
# real-model, full-corpus and browser tests.
test: check index
	$(PY) -m ingest --audit > $(VENV)/audit.log || (tail -n 30 $(VENV)/audit.log; exit 1)
	tail -n 1 $(VENV)/audit.log
	$(PY) -m evaluation --check
	$(PY) -m pytest -m "not ($(FAST))"

# The long resilience checks (about ten minutes): python -m benchmarks.soak --help
soak: setup-dev
	$(PY) -m benchmarks.soak

evaluate: setup
	$(PY) -m evaluation

# Re-resolve both locks from pyproject.toml (needs the package registry).
lock: setup-dev
	$(VENV)/bin/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
		-o requirements.txt pyproject.toml
	$(VENV)/bin/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
		--extra dev -c requirements.txt -o requirements-dev.txt pyproject.toml
