# Two commands set everything up on a fresh machine:
#   make baseline   creates .venv, installs the package, runs the baseline comparison -> results/baseline/
#   make test       creates .venv, installs the package with its test extras, runs the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: baseline test lint slow bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,notebooks,dask,browser,uncertainty,mmm,bench]'
	touch $@

baseline: $(VENV)/.installed
	$(BIN)/campaign-sim compare scenarios/baseline.yaml --replications 10 --seed 1

test: $(VENV)/.installed
	$(BIN)/python -m pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check sim tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

slow: $(VENV)/.installed
	$(BIN)/python -m pytest -m slow

bench: $(VENV)/.installed
	$(BIN)/python -m pytest -m bench -s

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
