# Durable Workflows: the two set-up commands are `make run` and `make test`; both install what is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.package-lock.json

.PHONY: install run test lint fmt bench soak clean

install: $(PY_STAMP) $(NODE_STAMP)

$(PY_STAMP): requirements.txt requirements-dev.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements-dev.txt -c constraints.txt
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

## run: start Azurite (data in .azurite/) and the app (func if installed, else the devhost); prints the URLs
run: install
	$(BIN)/python -m devhost.run_local

## test: lint, type-check, then every test (each session starts its own Azurite)
test: install lint
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## bench: measurements, not tests (see README "Performance")
bench: install
	$(BIN)/python -m bench

## soak: the 1,000-order load run and the 100-workflow crash matrix (minutes); writes tests/faults/SOAK_RESULTS.md
soak: install
	$(BIN)/python -m pytest -m soak tests/faults tests/crash/test_crash_matrix.py

clean:
	rm -rf $(VENV) node_modules .azurite .pytest_cache .mypy_cache .ruff_cache
