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

.PHONY: install run test test-deps check bench bench-versus bench-scale format clean lock

# Exactly the versions in requirements-dev.lock (`make lock` writes it; `make lock UPGRADE=1` moves
# them deliberately), then the project itself, editable, without resolving anything again.
$(VENV)/.installed: pyproject.toml requirements-dev.lock
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.lock
	$(BIN)/python -m pip install -q --no-deps -e .
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
	$(C360) load mappings/demo.yaml --metrics-as-of $(DEMO_AS_OF)  # rejects: var/rejects/, one file a run
	$(C360) db today $(DEMO_AS_OF)
	if [ -z "$${AUTH_JWT_SECRET:-}" ] && ! grep -qs '^AUTH_JWT_SECRET=' .env; then \
		export ENVIRONMENT=development AUTH_DISABLED=true; fi; \
	$(C360) serve

# Services some tests start themselves, from Debian's packages: Redis (shared rate limits) and
# Chromium (the GraphiQL page in a real browser). Installed when missing (as root, or with sudo).
test-deps:
	need=""
	command -v redis-server > /dev/null || need="$$need redis-server"
	command -v chromium > /dev/null || need="$$need chromium"
	if [ -n "$$need" ]; then
		as_root=$$([ "$$(id -u)" = 0 ] || echo sudo)
		$$as_root apt-get update -qq && $$as_root apt-get install -y -qq --no-install-recommends $$need
	fi

test: install test-deps
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

# customer360 side by side with @neo4j/graphql and hand-written Cypher (bench/versus/run.py) on a
# throwaway Neo4j with the 10k demo. Needs Node 20 and npm; not part of `check`, `test` or CI.
# @neo4j/graphql needs APOC Core (it formats every DateTime with apoc.date.convertFormat): this
# server gets its own NEO4J_HOME whose lib/ links the installed jars and adds APOC's (Maven
# Central), which also go in the instance's plugins/. VERSUS_DATA (a sample folder, e.g. one made by
# `c360 sample var/sample100k --customers 100000 --seed 42`) and VERSUS_NEO4J_PORT can be set to
# measure another sample on another port; each sample gets its own store, loaded (with the metrics
# as of $(DEMO_AS_OF)) once and reused while `loaded-from` says it holds that sample
# (VERSUS_RELOAD=1 loads it again). VERSUS_ARGS go to run.py (e.g. --only page --rounds 1);
# VERSUS_HEAP and VERSUS_PAGECACHE size its Neo4j (2g each by default).
APOC_VERSION ?= 5.26.19
VERSUS_DATA ?= $(DEMO_DIR)
VERSUS_HOME := .neo4j/versus-home
VERSUS_STORE := .neo4j/bench-versus-$(notdir $(VERSUS_DATA))
VERSUS_ENV := NEO4J_BOLT_PORT=$(or $(VERSUS_NEO4J_PORT),17688) NEO4J_DATA_DIR=$(VERSUS_STORE) \
	NEO4J_HOME=$(VERSUS_HOME) NEO4J_HEAP=$(or $(VERSUS_HEAP),2g) NEO4J_PAGECACHE=$(or $(VERSUS_PAGECACHE),2g) \
	NEO4J_PASSWORD=customer360-bench \
	NEO4J_START_TIMEOUT_S=600

bench-versus: install $(DEMO_DIR)/truth.json
	npm ci --prefix bench/versus --no-audit --no-fund
	jars=$$($(BIN)/python -c 'from graph.config import get_settings; from graph.local_server import lib_dir; print(lib_dir(get_settings()))')
	lib=$(VERSUS_HOME)/$$(basename $$(dirname $$jars))/lib
	if [ ! -f $$lib/.complete ]; then
		rm -rf $$lib && mkdir -p $$lib
		ln -s $$(realpath $$jars)/*.jar $$lib/
		for artifact in apoc-core apoc-common; do
			mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy \
				-Dartifact=org.neo4j.procedure:$$artifact:$(APOC_VERSION):jar -DoutputDirectory=$$lib
		done
		touch $$lib/.complete
	fi
	export $(VERSUS_ENV)
	mkdir -p bench/results
	$(C360) neo4j stop > /dev/null 2>&1 || true
	sample="$$(realpath $(VERSUS_DATA)) metrics-as-of $(DEMO_AS_OF)"
	fresh=$$([ -n "$${VERSUS_RELOAD:-}" ] || [ "$$(cat $(VERSUS_STORE)/loaded-from 2>/dev/null)" != "$$sample" ] && echo 1 || true)
	if [ -n "$$fresh" ]; then
		rm -rf $(VERSUS_STORE) && mkdir -p $(VERSUS_STORE)/plugins
		cp $$lib/apoc-*.jar $(VERSUS_STORE)/plugins/
	fi
	$(C360) neo4j start
	trap '$(C360) neo4j stop' EXIT
	if [ -n "$$fresh" ]; then
		$(C360) db migrate
		$(C360) load mappings/demo.yaml --base $(VERSUS_DATA) --metrics-as-of $(DEMO_AS_OF) > /dev/null
		echo "$$sample" > $(VERSUS_STORE)/loaded-from
	fi
	stamp=$$(date +%Y%m%d-%H%M)-$(notdir $(VERSUS_DATA))
	$(BIN)/python -m bench.versus.run --json bench/results/$$stamp-versus.json $(VERSUS_ARGS) \
		| tee bench/results/$$stamp-versus.txt

# Lock files: the exact version (and hashes) of every dependency, resolved from pyproject.toml by
# pip-tools. `make lock` keeps the versions already locked where they still fit; `make lock
# UPGRADE=1` moves everything to the newest allowed versions (a deliberate upgrade: then run the
# tests). Install from them with `pip install -r requirements-dev.lock && pip install --no-deps -e .`
lock: $(VENV)/.installed
	for extra in "" dev; do
		out=requirements$${extra:+-$$extra}.lock
		$(BIN)/pip-compile --quiet --strip-extras --generate-hashes --allow-unsafe --no-emit-find-links \
			$(if $(UPGRADE),--upgrade) $${extra:+--extra $$extra} -o $$out pyproject.toml
	done

check: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	-$(C360) neo4j stop
	rm -rf $(VENV) .neo4j .mypy_cache .ruff_cache .pytest_cache

# Loads at scale (issue 17): for each of SIZES, a fresh Neo4j on SCALE_NEO4J_PORT (data in
# .neo4j/scale-<size>: one graph per size, kept until that size runs again) gets the sample, the
# load, the metrics, a delta of 1,000 rows and the read mix (bench/scale.py); bench/scale_report.py then
# writes the table and plots into BENCHMARKS.md. `make bench-scale SIZES=10k` is the quick run;
# SCALE_HEAP and SCALE_PAGECACHE size that Neo4j (3g each by default; 1m wants a larger page cache).
SIZES ?= 10k 100k 1m
SCALE_ENV := NEO4J_BOLT_PORT=$(or $(SCALE_NEO4J_PORT),17689) NEO4J_DATA_DIR=.neo4j/scale \
	NEO4J_HEAP=$(or $(SCALE_HEAP),3g) NEO4J_PAGECACHE=$(or $(SCALE_PAGECACHE),3g) \
	NEO4J_PASSWORD=customer360-bench ENVIRONMENT=development \
	AUTH_DISABLED=true NEO4J_QUERY_TIMEOUT_S=60 NEO4J_START_TIMEOUT_S=600

bench-scale: install
	export $(SCALE_ENV)
	mkdir -p bench/results
	$(BIN)/python -m bench.scale --sizes $(SIZES)
	$(BIN)/python -m bench.scale_report --write
