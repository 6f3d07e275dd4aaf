# The two commands: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BIND ?= 127.0.0.1:8000
SEED_AUTHORS ?= 25
SEED_ARTICLES ?= 500

.PHONY: run test test-deps install lint typecheck bench bench-mixed schema clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev,bench,otel]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/content-gateway migrate
	$(BIN)/content-gateway seed --if-empty --authors $(SEED_AUTHORS) --articles $(SEED_ARTICLES)
	$(BIN)/content-gateway serve --bind $(BIND)

# Browser tests drive Debian's Chromium and the codegen test runs npm: install them with
# apt when missing and we are root (CI is); otherwise those tests skip and say why.
test-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="chromium"; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing$$missing (apt)"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; } \
	      || echo "warning: apt-get could not install$$missing: those tests will skip (an error on CI)"; \
	  else \
	    echo "note: missing$$missing: browser/codegen tests will skip (apt-get install$$missing)"; \
	  fi; \
	fi

test: $(STAMP) test-deps
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy gateway schema resolvers

schema: $(STAMP)
	$(BIN)/content-gateway export-schema --output schema.graphql

bench: $(STAMP)
	@# wrk drives the load from outside Python (it must not compete with the servers for the CPU)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -q wrk >/dev/null; } || true
	$(BIN)/python -m bench $(BENCH_ARGS)

bench-mixed: $(STAMP)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -q wrk >/dev/null; } || true
	$(BIN)/python -m bench.mixed $(BENCH_ARGS)

clean:
	rm -rf $(VENV) content.db content.db-wal content.db-shm .pytest_cache
