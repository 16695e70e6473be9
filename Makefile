# One command each: run the app on the demo project, test, lint, bench.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench setup setup-dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

setup: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt

setup-dev: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt

## make run: set up and open the app on the demo project (SQLite file data/review.db)
run: setup
	$(BIN)/streamlit run app.py

## make test: set up and run the whole test suite (SQLite, PostgreSQL if a server answers, Chromium)
test: setup-dev
	bash scripts/test.sh

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: setup-dev
	$(BIN)/pip install --quiet -r requirements-bench.txt
	for script in bench/*_bench.py; do echo "== $$script"; $(BIN)/python $$script; done
