# AdoptReady: `make run` serves the app with demo data, `make test` runs the whole suite.
# Both set everything up on a fresh machine with Python 3.11+ (no other manual step).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP  := $(VENV)/.installed

.PHONY: run test install browser lint format migrate seed worker clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "AdoptReady needs Python 3.11 or newer: set PYTHON=python3.11 (or newer).")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

run: seed
	@echo "AdoptReady is serving on http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)."
	SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The browser tests drive Debian's Chromium and inject axe-core (npm, pinned in package-lock.json);
# install them when missing or stop with a message that says what to install.
browser:
	@bash scripts/ensure-browser.sh
	@bash scripts/ensure-axe.sh

test: install browser
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: install
	$(BIN)/celery -A config worker -B --loglevel INFO

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache node_modules
