# harmtrace: two commands on a fresh machine (Python 3.11, package registries only).
#   make demo   build the environment, ingest the bundled open data, link reports into incidents and assess them, print a summary, write an HTML report
#   make test   lint, type-check and run the test suite (scale tests: make test-scale)
export UV_PYTHON_DOWNLOADS := never
PYTHON ?= python3
UV := $(PYTHON) -m uv
RUN := $(UV) run --frozen --no-sync
DEMO_DIR ?= demo-out

.PHONY: env demo serve test test-scale test-fuzz lint bench clean

env: .venv/.synced

.venv/.synced: pyproject.toml uv.lock
	$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv==0.13.8
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

demo: env
	$(RUN) harmtrace demo --out $(DEMO_DIR)

# the team server on the demo store (built first if missing): http://127.0.0.1:8740/api/v1/incidents
serve: env
	test -f $(DEMO_DIR)/demo.duckdb || $(RUN) harmtrace demo --out $(DEMO_DIR)
	$(RUN) harmtrace serve --db $(DEMO_DIR)/demo.duckdb

lint: env
	$(RUN) ruff format --check src tests benchmarks examples
	$(RUN) ruff check src tests benchmarks examples
	$(RUN) mypy
	$(RUN) lint-imports --no-cache

test: lint
	$(RUN) pytest -m "not scale" -q tests --doctest-modules src/harmtrace

test-scale: env
	$(RUN) pytest -m scale -q

test-fuzz: env  # Schemathesis with 500 requests per operation and role instead of 25
	HARMTRACE_FUZZ_EXAMPLES=500 $(RUN) pytest -q tests/server/test_schemathesis.py

bench: env
	$(RUN) python benchmarks/ingest.py

clean:
	rm -rf .venv $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache
