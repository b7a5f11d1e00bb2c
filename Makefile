# Two commands on a fresh machine: `make run` (embedded SQLite, tasks in-process, demo data)
# and `make test` (the whole suite on PostgreSQL and Redis).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
SIZE ?= 20000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/dic
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
PYTEST_ARGS ?=

.PHONY: test-tools bench-load bench-pg-restart install messages translations run test lint services browser-deps check migrations-check backup restore bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

messages: install
	@command -v msgfmt >/dev/null || bin/ensure-system-package gettext
	$(BIN)/python manage.py compilemessages --ignore=.venv -v0

translations: install
	$(BIN)/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=tests --ignore=bench --ignore=var --no-obsolete

run: export TWO_FACTOR_ROLES =
run: export EMAIL_URL = console://
run: install messages
	env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL $(BIN)/python manage.py migrate --no-input -v0
	env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL $(BIN)/python manage.py seed_demo --if-empty
	@echo "Serving on http://127.0.0.1:$(PORT)/  (demo password: Demo@2026)"
	env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

services:
	@bin/ensure-services

browser-deps:
	@bin/ensure-browser

# Test-only JavaScript tools (axe-core for the accessibility walk), pinned by package-lock.json; never shipped.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || bin/ensure-system-package npm
	npm ci --no-audit --no-fund --silent
	@touch $@

test-tools: node_modules/.installed

migrations-check: install
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python manage.py makemigrations --check --dry-run
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python manage.py check

test: install messages services browser-deps test-tools migrations-check
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/pytest -n 2 --create-db $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench-load: install services
	cd bench && ../$(BIN)/python load_mix.py --users 50 --seconds 300

bench-pg-restart: install services
	cd bench && ../$(BIN)/python pg_restart.py

backup:
	bin/backup $(DEST)

restore:
	bin/restore $(SRC)

bench: install services
	@command -v wrk >/dev/null || bin/ensure-system-package wrk
	$(BIN)/python bench/run_all.py --size $(SIZE)

clean:
	rm -rf $(VENV) node_modules db.sqlite3 var staticfiles
