# kimrecon — the two commands a new user needs (README):
#   make demo   installs kimrecon into .venv and runs the bundled example "Kreis Unna 2023"
#   make test   installs kimrecon with its test tools into .venv and runs the test suite
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: demo test lint install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'

demo: install
	$(BIN)/kimrecon demo --out out

test: install-test
	$(BIN)/python -m pytest -q

lint: install-test
	$(BIN)/ruff check kimrecon tests benchmarks tools

clean:
	rm -rf $(VENV) out build dist .pytest_cache
