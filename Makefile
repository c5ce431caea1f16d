# The two commands of the README. Each creates .venv and installs what it needs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# umap-learn/pynndescent compile numba kernels; keep the ones they cache between runs.
export NUMBA_CACHE_DIR ?= $(CURDIR)/.cache/numba

.PHONY: demo test lint format contract chromium bench samples clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files: reinstall only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/reportgen build --demo digits --out site
	@echo "open site/index.html"

# The committed example sites the README links (sample_reports/). Builds differ slightly
# between machines (BLAS, library versions), so CI never compares a fresh build with them.
samples: $(VENV)/.installed
	$(BIN)/reportgen build --demo digits --out sample_reports/digits --quiet
	$(BIN)/reportgen build --demo sentences --out sample_reports/sentences --quiet

# The browser tests drive Debian's Chromium (never a downloaded one).
chromium:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "the browser tests need Chromium: run 'sudo apt-get install chromium' (Debian/Ubuntu)" >&2; \
		exit 1; \
	fi

# The JavaScript checks' tools (typescript, eslint) from package-lock.json: development only,
# a build never runs Node. Reinstalled when the lock file changes.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: $(VENV)/.installed-test node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	node_modules/.bin/tsc --noEmit -p .
	node_modules/.bin/eslint templates/static/js

# templates/static/js/contract.js from reportgen/render/contract.py (a test fails when stale).
contract: $(VENV)/.installed
	$(BIN)/python -m reportgen.render.contract

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: $(VENV)/.installed-test chromium lint
	$(BIN)/python -m pytest

# Speed, layout quality and page weight against plain peer pipelines (see benchmarks/).
bench: $(VENV)/.installed-test chromium
	$(BIN)/python benchmarks/bench_build.py --n 20000 --dim 384 --json benchmarks/results-20000x384.json
	$(BIN)/python benchmarks/bench_build.py --data digits --json benchmarks/results-digits.json

clean:
	rm -rf $(VENV) .cache site build dist .pytest_cache .ruff_cache node_modules
