# customer360: `make run` serves the API on a loaded demo graph; `make test` runs the whole suite
# against a throwaway Neo4j; `make check` lints and type-checks. Each installs what is missing.
SHELL := bash
.ONESHELL:
.SHELLFLAGS := -eu -o pipefail -c

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
C360 := $(BIN)/c360

# The throwaway server `make test` runs: its own port, folder and small memory budget.
TEST_ENV := NEO4J_BOLT_PORT=$(or $(TEST_NEO4J_PORT),17687) NEO4J_DATA_DIR=.neo4j/test \
	NEO4J_HEAP=1g NEO4J_PAGECACHE=1g NEO4J_PASSWORD=customer360-test

.PHONY: install run test check bench format clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed
	$(C360) neo4j install

# The demo graph: 10k customers from seven source systems; the sample's "today" is 2025-06-30.
DEMO_DIR := var/demo
DEMO_AS_OF := 2025-06-30

$(DEMO_DIR)/truth.json: | $(VENV)/.installed
	$(C360) sample $(DEMO_DIR) --customers 10000 --seed 42

# The local demo serves without authentication (development mode, which warns at every start)
# unless AUTH_JWT_SECRET is set, e.g. in .env: then send `c360 token issue --role admin` as a Bearer.
run: install $(DEMO_DIR)/truth.json
	$(C360) neo4j start
	$(C360) db migrate
	$(C360) load mappings/demo.yaml --rejects $(DEMO_DIR)/rejects.jsonl --metrics-as-of $(DEMO_AS_OF)
	if [ -z "$${AUTH_JWT_SECRET:-}" ] && ! grep -qs '^AUTH_JWT_SECRET=' .env; then \
		export ENVIRONMENT=development AUTH_DISABLED=true; fi; \
	$(C360) serve

test: install
	export $(TEST_ENV)
	$(C360) neo4j start --fresh
	trap '$(C360) neo4j stop' EXIT
	$(BIN)/pytest $(PYTEST_ARGS)

# Benchmarks on a throwaway Neo4j loaded with the 10k demo; results (with the date) in bench/results/.
BENCH_ENV := NEO4J_BOLT_PORT=17688 NEO4J_DATA_DIR=.neo4j/bench NEO4J_HEAP=2g NEO4J_PAGECACHE=2g \
	NEO4J_PASSWORD=customer360-bench ENVIRONMENT=development AUTH_DISABLED=true

bench: install $(DEMO_DIR)/truth.json
	export $(BENCH_ENV)
	mkdir -p bench/results
	$(C360) neo4j start --fresh
	trap '$(C360) neo4j stop' EXIT
	$(C360) db migrate
	stamp=$$(date +%Y%m%d-%H%M)
	$(C360) load mappings/demo.yaml --metrics-as-of $(DEMO_AS_OF) | tee bench/results/$$stamp-load.txt
	$(BIN)/python bench/value_models.py | tee bench/results/$$stamp-value-models.txt
	$(BIN)/python bench/febrl.py | tee bench/results/$$stamp-febrl.txt
	$(BIN)/python bench/traversals.py --inputs 50 --rounds 3 | tee bench/results/$$stamp-traversals.txt
	$(BIN)/python bench/api.py | tee bench/results/$$stamp-api.txt
	$(BIN)/python bench/mutations.py | tee bench/results/$$stamp-mutations.txt
	$(BIN)/python -m bench.partner_scope | tee bench/results/$$stamp-partner-scope.txt

check: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	-$(C360) neo4j stop
	rm -rf $(VENV) .neo4j .mypy_cache .ruff_cache .pytest_cache
