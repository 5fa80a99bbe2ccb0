# Each target creates the virtual environment it needs on first use and installs only what it
# needs: `make demo` the kit alone, `make lab` adds JupyterLab, `make test` the test tools.
# Packages are installed with uv (seconds; installed into the venv by pip first) and fall back
# to pip when uv cannot be had; `make INSTALLER=pip ...` uses pip alone. uv compiles the
# bytecode at install (as pip does): where PYTHONDONTWRITEBYTECODE is set, every kernel and
# command the tests start would otherwise compile pandas and matplotlib again.
VENV      ?= .venv
PYTHON    ?= python3
INSTALLER ?= uv
BIN       := $(VENV)/bin

.PHONY: install demo lab test test-fast lint benchmark clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# $(call install,REQUIREMENT): uv when asked for and available, else pip
define install
	@if [ "$(INSTALLER)" = uv ] && { [ -x $(BIN)/uv ] || $(BIN)/python -m pip install --quiet uv; } \
	  && $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python $(1); then :; \
	else $(BIN)/python -m pip install --quiet $(1); fi
endef

$(VENV)/.installed-demo: pyproject.toml | $(BIN)/python
	$(call install,-e .)
	touch $@

$(VENV)/.installed-lab: pyproject.toml | $(BIN)/python
	$(call install,-e ".[lab]")
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(call install,-e ".[test]")
	touch $@

install: $(VENV)/.installed-test  ## create .venv with the kit and its test tools (for developers)

demo: $(VENV)/.installed-demo  ## generate the demo export and render the full assessment into reports/demo
	$(BIN)/adoption-kit demo --out reports/demo

lab: $(VENV)/.installed-lab  ## open the parameterized notebooks in JupyterLab
	$(BIN)/jupyter lab notebooks

test: $(VENV)/.installed-test  ## lint, type-check (mypy kit) and run the whole test suite (doctests and slow end-to-end tests included)
	$(BIN)/ruff check kit tests $(wildcard benchmarks)
	$(BIN)/mypy kit
	$(BIN)/python -m pytest

test-fast: $(VENV)/.installed-test  ## the edit-test loop: lint, doctests and every test but the slow ones (about 1 minute)
	$(BIN)/ruff check kit tests $(wildcard benchmarks)
	$(BIN)/python -m pytest -m "not slow"

lint: $(VENV)/.installed-test  ## ruff and the type checker (mypy kit)
	$(BIN)/ruff check kit tests $(wildcard benchmarks)
	$(BIN)/mypy kit

benchmark: $(VENV)/.installed-test  ## time adoption-kit from a wheel and every stage at the small scale (SCALE=large, SCALES=small,large)
	$(BIN)/python benchmarks/run.py $(if $(SCALES),--scales $(SCALES),--scale $(or $(SCALE),small))

clean:
	rm -rf $(VENV) dist build reports/demo
