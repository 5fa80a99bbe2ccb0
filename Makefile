# `make demo` and `make test` each create the virtual environment they need on first use.
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test test-fast lint benchmark clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install the kit with its test extra

demo: $(STAMP)  ## generate the demo export and render the full assessment into reports/demo
	$(BIN)/adoption-kit demo --out reports/demo

test: $(STAMP)  ## lint and run the whole test suite
	$(BIN)/ruff check kit tests $(wildcard benchmarks)
	$(BIN)/python -m pytest

test-fast: $(STAMP)  ## the edit-test loop: lint, doctests and every test but the slow end-to-end ones
	$(BIN)/ruff check kit tests $(wildcard benchmarks)
	$(BIN)/python -m pytest -m "not slow"

benchmark: $(STAMP)  ## time every stage at the small scale (SCALE=medium|large for more)
	$(BIN)/python benchmarks/run.py --scale $(or $(SCALE),small)

clean:
	rm -rf $(VENV) dist build reports/demo
