# CivicBoard: `make run` serves the demo city on http://127.0.0.1:5000, `make test` runs the suite.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PYTEST_ARGS ?=

.PHONY: run test lint format db-upgrade seed clean help

help:
	@echo "make run     - install, migrate, load the demo city, serve on http://127.0.0.1:5000"
	@echo "make test    - install dev tools and run the whole suite (TEST_DATABASE_URL for PostgreSQL)"
	@echo "make lint    - ruff check and format check"
	@echo "make format  - ruff format and fix"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(VENV)/.installed

db-upgrade: $(VENV)/.installed
	$(FLASK) db upgrade

seed: db-upgrade
	$(FLASK) demo seed --if-empty

run: seed
	$(FLASK) run --host 127.0.0.1 --port 5000

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
