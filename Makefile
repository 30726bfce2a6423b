# Two commands do everything on a fresh machine (python3, make, git):
#   make build   set up .venv from requirements.lock, then run the full pipeline
#   make test    set up, then run every test (validators included: frictionless, SHACL, once each)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup build test lint validate linkcheck bench bench-linkcheck clean

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0 if v >= (3, 11) else f"kanmin needs Python 3.11 or newer, and $(PYTHON) is {v.major}.{v.minor}: install python3.11 and run make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

build: setup
	$(BIN)/kanmin build

validate: setup
	$(BIN)/frictionless validate datapackage.json
	$(BIN)/kanmin rdf --validate-only

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check scripts tests benchmarks
	$(BIN)/mypy

linkcheck: setup
	$(BIN)/kanmin linkcheck

bench: setup
	$(BIN)/python benchmarks/build.py

bench-linkcheck: setup
	$(BIN)/python benchmarks/linkcheck/bench.py

clean:
	rm -rf $(VENV) build/linkcheck .pytest_cache
