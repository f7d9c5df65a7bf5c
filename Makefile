# CivicBoard: `make run` serves the demo city on http://127.0.0.1:5000, `make test` runs the suite.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PYTEST_ARGS ?=
# Test processes (pytest-xdist): one per core; TEST_WORKERS=0 runs the suite in this process.
TEST_WORKERS ?= auto

.PHONY: run test e2e e2e-deps bench lint format db-upgrade seed clean help messages catalogs screenshots vendor

help:
	@echo "make run     - install, migrate, load the demo city, serve on http://127.0.0.1:5000 with a worker"
	@echo "make test    - install dev tools and run the whole suite (TEST_DATABASE_URL for PostgreSQL)"
	@echo "make e2e     - only the browser tests (Debian's Chromium, axe-core from npm)"
	@echo "make bench   - seed the city-scale database and measure pages with wrk"
	@echo "make screenshots - the main pages for each role at 390 and 1280 px, into docs/screenshots/"
	@echo "make lint    - ruff check and format check, and the import layers (lint-imports)"
	@echo "make format  - ruff format and fix"
	@echo "make messages - extract the board's words and update every language's catalog"
	@echo "make vendor  - copy Leaflet and its marker-cluster plugin from npm into static/vendor/"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(VENV)/.installed

db-upgrade: $(VENV)/.installed catalogs
	$(FLASK) db upgrade

# Translations: civicboard/translations/<lang>/LC_MESSAGES/messages.po are the sources (edited by
# translators, committed); the compiled .mo files are built here at install and never committed.
TRANSLATIONS := civicboard/translations
PYBABEL := $(BIN)/pybabel
MO_FILES := $(patsubst %.po,%.mo,$(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po))

catalogs: $(MO_FILES)

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(PYBABEL) compile --statistics -d $(TRANSLATIONS) -l $*

# Extract every marked string into messages.pot, then merge it into each language's catalog.
# A new language: $(PYBABEL) init -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l fr
messages: $(VENV)/.installed
	$(PYBABEL) -q extract -F $(TRANSLATIONS)/babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
	  --no-wrap --sort-by-file --project CivicBoard -o $(TRANSLATIONS)/messages.pot .
	$(PYBABEL) -q update --no-wrap --no-fuzzy-matching -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)
	$(MAKE) catalogs

seed: db-upgrade
	$(FLASK) demo seed --if-empty

# One background worker (mail delivery, periodic sweeps) beside the web server; it stops with it.
run: seed
	@$(FLASK) worker --workers 1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port 5000

test: $(VENV)/.installed-dev catalogs e2e-deps
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Browser tests. Chromium comes from Debian (a browser is never downloaded); axe-core from npm.
# Without root the install is left to you: the browser tests then skip locally (CI fails them).
e2e: $(VENV)/.installed-dev e2e-deps
	$(BIN)/python -m pytest -n $(TEST_WORKERS) -m e2e $(PYTEST_ARGS) tests/e2e

e2e-deps: node_modules/.package-lock.json
	@command -v chromium >/dev/null 2>&1 || $(call apt_install,chromium)

node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || $(call apt_install,npm)
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm is missing: the accessibility checks skip locally (CI fails them)"; fi

# Screenshots of the demo city (the browser tests' server and Chromium) into docs/screenshots/.
screenshots: $(VENV)/.installed-dev e2e-deps
	$(BIN)/python scripts/screenshots.py

# Benchmark: city-scale data in bench/data/, gunicorn in production mode, wrk (from Debian);
# nginx (from Debian) sends the export files of one control measurement.
bench: $(VENV)/.installed
	@command -v wrk >/dev/null 2>&1 || $(call apt_install,wrk)
	@command -v nginx >/dev/null 2>&1 || $(call apt_install,nginx-light)
	$(BIN)/python bench/run.py

# $(call apt_install,PACKAGE): install a Debian package when we are root, else say how.
define apt_install
{ if [ "$$(id -u)" = 0 ]; then \
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null; \
  else echo "$(1) is missing: install it with 'sudo apt-get install -y $(1)'"; fi; }
endef

# The maps' JavaScript: Leaflet and leaflet.markercluster from npm (package.json pins them),
# copied with their licences into static/vendor/, which is committed: the board serves them
# itself (never a CDN, the CSP allows scripts from this site only) and runs without npm.
vendor: node_modules/.package-lock.json
	rm -rf static/vendor/leaflet static/vendor/leaflet.markercluster
	mkdir -p static/vendor/leaflet/images static/vendor/leaflet.markercluster
	cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css node_modules/leaflet/LICENSE static/vendor/leaflet/
	cp node_modules/leaflet/dist/images/*.png static/vendor/leaflet/images/
	cp node_modules/leaflet.markercluster/dist/leaflet.markercluster.js node_modules/leaflet.markercluster/dist/MarkerCluster.css \
	   node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css node_modules/leaflet.markercluster/MIT-LICENCE.txt \
	   static/vendor/leaflet.markercluster/
	find static/vendor -type f -exec chmod 644 {} +

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache node_modules e2e-artifacts
