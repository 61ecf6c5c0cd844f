# FirmSync: `make run` serves the demo, `make test` runs every test. Both install first.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
STATIC_STAMP := var/staticfiles/staticfiles.json
# collectstatic builds the production files (hashed names, whitenoise manifest) for gunicorn.
STATIC_ENV := DEBUG=False SECRET_KEY=collectstatic-only-0123456789abcdefghijklmnopqrstuvwxyz FIELD_ENCRYPTION_KEYS=Zmlyc3luYy1kZXYtb25seS1rZXktMDEyMzQ1Njc4OTA=

.PHONY: install browser run test test-fast lint format bench vendor clean

install: $(STAMP) $(STATIC_STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)."; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $@

$(STATIC_STAMP): $(STAMP) $(shell find static templates -type f 2>/dev/null)
	@mkdir -p var
	$(STATIC_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0
	@touch $@

run: install
	DEBUG=True $(PY) manage.py migrate --noinput
	DEBUG=True $(PY) manage.py seed_demo
	DEBUG=True $(PY) manage.py rundemo

# Tests run on TEST_WORKERS processes (pytest-xdist), each with its own test database.
TEST_WORKERS ?= 3

# The browser tests drive Debian's chromium (never a downloaded browser): installed here when
# missing and this user may, otherwise the one command to run is named.
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y chromium || { apt-get update && apt-get install -y chromium; }; \
	  elif sudo -n true 2>/dev/null; then sudo apt-get install -y chromium || { sudo apt-get update && sudo apt-get install -y chromium; }; \
	  else echo "The browser tests need Debian's chromium. Install it, then run make test again:" >&2; \
	    echo "    sudo apt-get install -y chromium" >&2; exit 1; fi; }

test: install browser
	FIRMSYNC_TESTING=1 DJANGO_ALLOW_ASYNC_UNSAFE=true $(VENV)/bin/pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

test-fast: install
	FIRMSYNC_TESTING=1 $(VENV)/bin/pytest -n $(TEST_WORKERS) --dist worksteal -m "not e2e" $(PYTEST_ARGS)

# Import circles are checked by tests/test_architecture.py; the layers by lint-imports.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	DEBUG=True $(PY) manage.py makemigrations --check --dry-run
	DEBUG=True $(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The reference firm's initial sync into QuickBooks and Xero through a real task worker, every rate
# limit on, provider time compressed, the worker killed twice; a month-end burst; the engine's CPU,
# trust, drift and incremental figures. Writes bench/results.json, prints PASS/FAIL per target,
# fails on a FAIL. BENCH_SCALE=0.05 for a smoke run.
bench: install
	$(PY) -m bench

# Refresh the vendored front-end libraries from the npm registry (versions in static/vendor/VERSIONS.md).
vendor:
	@tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent htmx.org@2.0.11 @picocss/pico@2.1.1 chart.js@4.6.1 >/dev/null && \
	for f in *.tgz; do mkdir -p x && tar xzf $$f -C x && mv x x_$$f; done && \
	cp x_htmx*/package/dist/htmx.min.js $(CURDIR)/static/vendor/htmx/ && \
	cp x_picocss*/package/css/pico.min.css $(CURDIR)/static/vendor/pico/ && \
	sed 's#//\# sourceMappingURL=.*##' x_chart*/package/dist/chart.umd.min.js > $(CURDIR)/static/vendor/chartjs/chart.umd.min.js

clean:
	rm -rf var/staticfiles var/test.sqlite3 var/screenshots
