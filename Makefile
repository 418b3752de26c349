# crible: two commands do all the set-up on a fresh machine.
#   make demo   creates .venv, installs crible, runs the demo on the embedded SQLite store
#   make test   creates .venv with the dev extras, checks PostgreSQL binaries, runs ruff, mypy,
#               pytest in two processes (pytest-xdist, a test file per process at a time)
# The C extension (crible/index/_mih.c) is compiled by pip install; editing it reinstalls.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
# pdqhash ships only as source: it is compiled with g++ and Cython against numpy.
BUILD_DEPS := pip wheel setuptools cython numpy

.PHONY: demo test lint typecheck pytest install install-dev postgres-bin chromium-bin bench clean

demo: $(VENV)/.installed
	$(BIN)/crible demo

test: $(VENV)/.installed-dev postgres-bin chromium-bin lint typecheck pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check crible tests benchmarks
	$(BIN)/ruff format --check crible tests benchmarks

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

pytest: $(VENV)/.installed-dev postgres-bin chromium-bin
	$(BIN)/pytest -q -n 2 --dist loadfile $(PYTEST_ARGS)

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/hashing.py

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.build-deps: $(VENV)/bin/python
	@command -v g++ >/dev/null || (apt-get update && apt-get install -y g++)
	$(PIP) install --upgrade $(BUILD_DEPS)
	$(PIP) install --no-build-isolation "pdqhash>=0.2.8"
	touch $@

$(VENV)/.installed: $(VENV)/.build-deps pyproject.toml setup.py crible/index/_mih.c
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.build-deps pyproject.toml setup.py crible/index/_mih.c
	$(PIP) install -e ".[dev]"
	touch $@ $(VENV)/.installed

# The tests start a throwaway PostgreSQL 15 server with initdb/pg_ctl as a non-root user.
postgres-bin:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || \
		(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql)

# The UI tests drive Debian's Chromium with Playwright (executable_path); no browser download.
chromium-bin:
	@command -v chromium >/dev/null || \
		(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

clean:
	rm -rf $(VENV) crible-demo crible.db crible.db-wal crible.db-shm .pytest_cache .mypy_cache
