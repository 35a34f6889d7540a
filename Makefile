# wirogen: `make demo` and `make test` build everything from nothing (.venv included).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SPECS  ?= specs
OUT    ?= generated
PORT   ?= 8000

PHASE  := bash .ci/phase

.PHONY: all venv test test-quick phases demo generate check mock bench lint parse clean

all: test

# Rebuilt when pyproject.toml changes; `make test` and `make demo` depend on it.
$(STAMP): pyproject.toml
	@$(PHASE) install sh -c '\
	  { test -x $(BIN)/python || $(PYTHON) -m venv $(VENV); } && \
	  $(BIN)/python -m pip install --quiet --upgrade pip && \
	  $(BIN)/python -m pip install --quiet -e ".[test]" && \
	  $(BIN)/python -m pip install --quiet -e $(OUT)'
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
# `worksteal`: a worker that runs out of tests takes queued ones from the other, so a file of
# long tests at the end of one worker's share does not leave a CPU idle.
PYTEST_WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal

# The whole suite, as CI runs it (.ci/run is `make test`): the programs it drives are
# installed first (or it stops, naming them), then every phase is announced and timed.
test: $(STAMP)
	@$(PHASE) "system packages" bash .ci/system-packages
	@$(MAKE) --no-print-directory phases TESTS='$(PYTEST)'

# Everything but the tests that need redis-server or Chromium, deselected (and counted).
test-quick: $(STAMP)
	@$(MAKE) --no-print-directory phases \
	  TESTS='$(PYTEST) -m "not needs_redis and not needs_chromium"'

phases:
	@$(PHASE) "drift check" $(BIN)/wirogen check --specs $(SPECS) --out $(OUT)
	@$(PHASE) lint sh -c '$(BIN)/ruff check . && $(BIN)/ruff format --check .'
	@$(PHASE) types $(BIN)/mypy
	@$(PHASE) tests $(TESTS)

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
