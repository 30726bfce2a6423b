# Two commands do everything on a fresh machine (python3, make, git):
#   make build   set up .venv from requirements.lock, then run the full pipeline
#   make test    set up, then run every test (validators included: frictionless, SHACL, once each)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup build test lint validate linkcheck bench bench-linkcheck fuzz clean ckan-setup \
        release-check release-artefacts release-diffs check-releases zenodo

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0 if v >= (3, 11) else f"kanmin needs Python 3.11 or newer, and $(PYTHON) is {v.major}.{v.minor}: install python3.11 and run make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# The CKAN 2.12 portal the publishing tests start (tests/ckan/services.py): its own venv, because
# CKAN's pins clash with ours. The lock's sdists (psycopg2, ckantoolkit, feedgen, pysolr) build without isolation
# against the hashed setuptools and setuptools-scm of build-requirements.lock, so every file pip downloads is checked
# against a hash. About 1-2 minutes cold (psycopg2 compiles), seconds with pip's cache.
CKAN_VENV  := .venv-ckan
CKAN_STAMP := $(CKAN_VENV)/.installed

ckan-setup: $(CKAN_STAMP)

$(CKAN_STAMP): tests/ckan/requirements.lock tests/ckan/build-requirements.lock
	$(PYTHON) -m venv $(CKAN_VENV)
	$(CKAN_VENV)/bin/python -m pip install --quiet --require-hashes -r tests/ckan/build-requirements.lock
	$(CKAN_VENV)/bin/python -m pip install --quiet --require-hashes --no-build-isolation -r tests/ckan/requirements.lock
	touch $(CKAN_STAMP)

# BASE_URL: the dataset's home page for this build (kanmin build --base-url), for a fork deployed at
# its own address; empty: homepage in data/curated/metadata.json.
BASE_URL ?=
build: setup
	$(BIN)/kanmin build $(if $(BASE_URL),--base-url "$(BASE_URL)")

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

# BASELINE: a checkout of another commit, benchmarked side by side (make bench BASELINE=/tmp/main)
BASELINE ?=
bench: setup
	$(BIN)/python benchmarks/build.py $(if $(BASELINE),--baseline "$(BASELINE)")

bench-linkcheck: setup
	$(BIN)/python benchmarks/linkcheck/bench.py

# Mutated copies of the source through the extraction: make fuzz SEED=1 N=3000
SEED ?= 1
N    ?= 3000
fuzz: setup
	$(BIN)/python benchmarks/fuzz.py --seed $(SEED) -n $(N)

# Releases (README "Releases"). The semver gate: the built package's version covers what changed since
# the last release of releases/releases.json (run by .ci/run after the build).
release-check: setup
	$(BIN)/kanmin release check

# What the release workflow uploads (.github/workflows/release.yml): the release ZIP, the workbook, the
# package ZIP and SHA256SUMS in dist/, from the committed build (run `make build` first; CI checks it
# is what a build gives). The same bytes every time (tests/test_release.py runs it twice).
DIST ?= dist
release-artefacts: setup
	rm -rf $(DIST)
	$(BIN)/kanmin release artefacts --out $(DIST)

# releases/diffs/*.json, the diffs between consecutive releases (the site's update history), and
# .zenodo.json; tests check that the committed ones are what these write.
release-diffs: setup
	$(BIN)/kanmin release diffs
zenodo: setup
	$(BIN)/kanmin release zenodo

# Rebuild every recorded release with its own code and lock file; each must give its committed files.
check-releases:
	.ci/check-releases

clean:
	rm -rf $(VENV) build/linkcheck .pytest_cache
