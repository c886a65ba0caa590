# `make run` sets up, builds the index and serves the app; `make test` runs the checks.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup index run test lint evaluate

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

setup: $(VENV)/.installed

# Exit status 1 means some files failed and the rest were published: still serve.
index: setup
	$(PY) -m ingest || [ $$? -eq 1 ]

run: index
	$(PY) -m search_app

lint: setup
	$(PY) -m ruff check .

# The ranking regression check on the whole corpus, then unit, integration and end-to-end tests.
test: lint index
	$(PY) -m evaluation --check
	$(PY) -m pytest

evaluate: setup
	$(PY) -m evaluation
