# wirogen: `make demo` and `make test` build everything from nothing (.venv included).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SPECS  ?= specs
OUT    ?= generated
PORT   ?= 8000

.PHONY: all venv test demo generate check mock bench lint parse clean

all: test

# Rebuilt when pyproject.toml changes; `make test` and `make demo` depend on it.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip install --quiet -e $(OUT)
	touch $(STAMP)

venv: $(STAMP)

parse: $(STAMP)
	$(BIN)/wirogen parse $(SPECS)

generate: $(STAMP)
	$(BIN)/wirogen generate --specs $(SPECS) --out $(OUT)

check: $(STAMP)
	$(BIN)/wirogen check --specs $(SPECS) --out $(OUT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# One worker per CPU (`PYTEST_WORKERS=0` runs serially): each worker starts its own mocks
# and Redis servers on free loopback ports, so tests never share state across workers.
PYTEST_WORKERS ?= auto

test: $(STAMP) check lint
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS)

demo: $(STAMP) generate
	$(BIN)/python -m tests.demo --specs $(SPECS)

mock: $(STAMP)
	$(BIN)/wiro-mock --specs $(SPECS) --port $(PORT) --no-auth

bench: $(STAMP)
	$(BIN)/python bench/codegen.py
	$(BIN)/python bench/mock.py
	$(BIN)/python bench/parse_scaling.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache demo-output
