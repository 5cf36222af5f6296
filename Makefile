# CityLoop: `make run` serves the demo city, `make test` runs the whole suite.
SHELL := /bin/bash
# The interpreter for .venv: the distribution's CPython 3.11 first, where it can make a venv. Debian and
# Ubuntu build it with profile-guided and link-time optimisation into a statically linked binary; it runs
# our requests 7–12% faster than a version manager's default build (pyenv compiles without either; see
# docs/setup.md). Then python3.11 or python3 from PATH. `make PYTHON=/path/to/python` overrides.
PYTHON ?= $(shell for p in /usr/bin/python3.11 "$$(command -v python3.11)" "$$(command -v python3)"; do \
  [ -x "$$p" ] && "$$p" -c 'import ensurepip, sys; assert sys.version_info >= (3, 11)' 2>/dev/null \
  && { echo "$$p"; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
DEMO_SEED ?= 1
# The month of history `make run` simulates on a fresh database (a larger one: SIM_PER_DAY=300).
SIM_DAYS ?= 30
SIM_PER_DAY ?= 40
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test bench lint format setup install migrate demo clean messages assets

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall whenever the project's dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed assets

## Front-end packages (htmx, Leaflet, Leaflet.markercluster, ECharts) from package-lock.json into the
## console's static files. Third-party code is never committed: cityloop/web/static/vendor/ is git-ignored.
VENDOR := cityloop/web/static/vendor
assets: $(VENDOR)/.installed

$(VENDOR)/.installed: package.json package-lock.json
	@if ! command -v npm >/dev/null 2>&1; then \
	  echo "npm not found: skipping the console's front-end packages (maps, charts and partial page updates need them; install Node.js and npm, then run make assets)"; \
	  exit 0; \
	fi; \
	set -e; \
	npm ci --no-audit --no-fund --loglevel=error; \
	rm -rf $(VENDOR); \
	mkdir -p $(VENDOR)/htmx $(VENDOR)/leaflet $(VENDOR)/leaflet.markercluster $(VENDOR)/echarts; \
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/; \
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css node_modules/leaflet/dist/images $(VENDOR)/leaflet/; \
	cp node_modules/leaflet.markercluster/dist/leaflet.markercluster.js node_modules/leaflet.markercluster/dist/MarkerCluster.css $(VENDOR)/leaflet.markercluster/; \
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/echarts/; \
	for pkg in htmx.org leaflet leaflet.markercluster echarts; do \
	  dest=$(VENDOR)/$${pkg%.org}; cp node_modules/$$pkg/LICENSE* $$dest/ 2>/dev/null || true; \
	done; \
	touch $@

migrate: install
	$(BIN)/cityloop migrate --noinput

setup: migrate

## Serve the console with the demo city at http://$(HOST):$(PORT)
run: setup
	$(BIN)/cityloop demo-city --seed $(DEMO_SEED) --if-empty
	$(BIN)/cityloop hotline demo-platform --if-missing
	$(BIN)/cityloop triage default --if-missing
	$(BIN)/cityloop simulate --days $(SIM_DAYS) --per-day $(SIM_PER_DAY) --seed $(DEMO_SEED) --if-empty
	@echo
	@echo "CityLoop is starting at http://$(HOST):$(PORT)/  (API docs: /api/v1/docs, health: /healthz)"
	@# The worker (jobs, deadline sweep, notices) runs beside the server and stops with it.
	$(BIN)/cityloop worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=1 $(BIN)/cityloop runserver $(HOST):$(PORT)

## Run the whole test suite (SQLite by default; set DATABASE_URL for PostgreSQL)
test: install
	$(BIN)/pytest $(PYTEST_ARGS)

## Benchmarks: print the numbers the issues ask for
bench: setup
	$(BIN)/python -m bench $(BENCH_ARGS)

## The same case loop and HTTP intake through the baseline (fastsql, b10cbe5) and the current code side
## by side, on SQLite and PostgreSQL, with the engine's raw limit (BENCH_ARGS="--quick --engine sqlite" …)
.PHONY: bench-side-by-side
bench-side-by-side: install
	$(BIN)/python -m bench.side_by_side $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy cityloop bench

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Recompile the console's translations after editing cityloop/locale/*/LC_MESSAGES/django.po
messages: install
	cd cityloop && ../$(BIN)/cityloop makemessages -l zh_Hans --no-obsolete && ../$(BIN)/cityloop compilemessages

clean:
	rm -rf $(VENV) var build *.egg-info .pytest_cache .mypy_cache .ruff_cache node_modules $(VENDOR)
