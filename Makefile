# CityLoop: `make run` serves the demo city, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
DEMO_SEED ?= 1
# The month of history `make run` simulates on a fresh database (a larger one: SIM_PER_DAY=300).
SIM_DAYS ?= 30
SIM_PER_DAY ?= 40
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test bench lint format setup install migrate demo clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall whenever the project's dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/cityloop migrate --noinput

setup: migrate

## Serve the console with the demo city at http://$(HOST):$(PORT)
run: setup
	$(BIN)/cityloop demo-city --seed $(DEMO_SEED) --if-empty
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
	rm -rf $(VENV) var build *.egg-info .pytest_cache .mypy_cache .ruff_cache
