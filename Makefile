# Terrain — two commands: `make run` (demo on SQLite) and `make test` (everything, browser included).
# `make dev` serves with Flask's development server instead (reloads on change, debugger).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app webapp
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run dev test install install-test browser postgres clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

## Chromium for the browser tests: Debian's package when apt is there, else Playwright's download.
browser: install-test
	@if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then \
		echo "Chromium: $$(command -v chromium || echo /usr/bin/chromium)"; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = "0" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
	elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then \
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
	else \
		$(BIN)/python -m playwright install chromium; \
	fi

## Production server (gunicorn, 2 processes × 4 threads: gunicorn.conf.py) with the alerts worker beside it.
run: install
	$(FLASK) init-db
	$(FLASK) seed-demo --if-empty
	@echo "Terrain : http://$(HOST):$(PORT)"
	@# The alerts worker (escalation + e-mail/push outbox) runs beside the server and stops with it.
	export TERRAIN_BASE_URL=http://$(HOST):$(PORT); $(FLASK) alerts worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn --config gunicorn.conf.py --bind $(HOST):$(PORT) 'webapp:create_app()'

## Flask's development server (reloader, debugger) with the same worker: for working on the code only.
dev: install
	$(FLASK) init-db
	$(FLASK) seed-demo --if-empty
	export TERRAIN_BASE_URL=http://$(HOST):$(PORT); $(FLASK) alerts worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; $(FLASK) run --debug --host $(HOST) --port $(PORT)

## PostgreSQL server binaries for the second pass of the tests (Debian's package when apt is there).
postgres:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then \
		echo "PostgreSQL: $$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -n 1)"; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = "0" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	else \
		echo "PostgreSQL absent et non installable ici : seule la passe SQLite sera lancée."; \
	fi

## Everything on SQLite (browser tests included), then the same route and service tests on PostgreSQL.
test: browser postgres
	$(BIN)/python -m pytest
	$(BIN)/python tests/postgres_server.py -- $(BIN)/python -m pytest --ignore=tests/browser

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
