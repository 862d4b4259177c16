# The two commands: `make demo` and `make test`. Each installs what it needs first
# (a virtualenv from requirements-dev.txt, Azurite from package-lock.json; for the tests, Debian's
# Chromium too).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup demo test lint format bench load clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

# The browser tests (dashboard, API docs) drive Debian's Chromium (tests/e2e/browser.py; as root).
$(VENV)/.chromium: | $(VENV)/.installed
	@test -x /usr/bin/chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver)
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

demo: setup
	$(PY) -m shared.cli demo

test: setup $(VENV)/.chromium
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

format: setup
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: setup
	$(PY) -m bench

# The bounded load test (bench/load.py, not part of pytest's run): 10,000 GETs, 100 at a time,
# against `serve` on loopback over the demo tenant in Azurite; exits 1 on any error.
load: setup
	$(PY) -m bench.load

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache .hypothesis
