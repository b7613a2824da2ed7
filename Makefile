# Two commands do all set-up: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint unit bench schema messages clean cluster load

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	@touch $@

run: $(STAMP)
	SAMVERKAN_DEV=1 $(BIN)/samverkan serve --dev --host 127.0.0.1 --port 8000

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest -q

# PostgreSQL primary + hot standby, 3 API nodes, 2 workers, 2 witnesses; CLUSTER_ARGS=--duration 60
cluster: $(STAMP)
	$(BIN)/python -m ops.cluster $(CLUSTER_ARGS)

# Every benchmark (python -m ops.bench.NAME) in turn; BENCH_ARGS=--quick for a smoke run.
bench: $(STAMP)
	$(BIN)/samverkan bench $(BENCH_ARGS)

# A bounded mixed load on a cluster it starts itself; LOAD_ARGS="--duration 60 --rate 200" or
# LOAD_ARGS="--nodes URL,URL --database-url URL --data-dir DIR" for a running dev-mode cluster.
load: $(STAMP)
	$(BIN)/python -m ops.load $(LOAD_ARGS)

schema: $(STAMP)
	$(BIN)/python -m schema.export

# Extract the messages (babel.cfg) and merge them into schema/locale/{sv,en}; then translate
# the new Swedish entries (tests/unit/test_catalogues.py fails while one is missing).
messages: $(STAMP)
	@mkdir -p build
	$(BIN)/pybabel -q extract -F babel.cfg --no-location --sort-output --no-wrap \
		--project samverkan -o build/samverkan.pot .
	$(BIN)/pybabel -q update -i build/samverkan.pot -d schema/locale -D samverkan --no-wrap \
		--ignore-obsolete --ignore-pot-creation-date --no-fuzzy-matching

clean:
	rm -rf $(VENV) .samverkan
