# The two commands a fresh machine needs: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
PY := .venv/bin/python
MANAGE := $(PY) manage.py
SERVICES_ENV := .data/services.env
# Load the service URLs chosen by bin/services.py (real servers or the embedded fallback).
WITH_ENV = set -a; [ -f $(SERVICES_ENV) ] && source $(SERVICES_ENV); set +a;

.PHONY: run test venv services setup lint typecheck format check-deploy prod-check migrations-check pytest caddy browser bench djstripe-test-migration clean

run: venv services setup  ## Set everything up and run web + worker + beat with demo data
	@$(WITH_ENV) $(PY) bin/run.py

test: venv services lint typecheck migrations-check check-deploy prod-check pytest browser  ## Set everything up and run the whole suite

venv:
	@bash bin/bootstrap.sh

services:
	@$(PY) bin/services.py --write $(SERVICES_ENV)

setup:
	@$(WITH_ENV) $(MANAGE) platform_setup

lint:
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(dir $(PY))lint-imports  # the app layers and cycles (pyproject.toml [tool.importlinter])
	timeout 600 $(dir $(PY))pip-audit -r requirements/dev.txt --no-deps --disable-pip --progress-spinner off --timeout 20 $${PIP_AUDIT_ARGS:-} \
	  || { echo 'pip-audit failed: a known vulnerability listed above, or PyPI unreachable (docs/hardening.md)' >&2; exit 1; }

typecheck:
	$(PY) -m mypy apps config

format:
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

migrations-check:
	@$(WITH_ENV) DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE) makemigrations --check --dry-run

check-deploy:
	@set -a; source docs/deploy.env.sample; set +a; \
	  DJANGO_SETTINGS_MODULE=config.settings.production $(MANAGE) check --deploy --fail-level WARNING

# The production stack on loopback (gunicorn, uvicorn, Celery worker and beat from the Procfile, through
# PgBouncer in session mode) with production settings and generated secrets, and a smoke request per
# surface (bin/prod_check.py, docs/deploy/README.md). PROD_CHECK_ARGS: e.g. --keep, --port 18000, --reuse-db.
prod-check:
	@$(WITH_ENV) $(PY) bin/prod_check.py $(PROD_CHECK_ARGS)

# Cold test database in CI; reused between local runs (pass PYTEST_ARGS=--create-db to rebuild it).
# Two pytest-xdist workers (PYTEST_WORKERS), each with its own test database and Redis database:
# the suite takes about half the time on the 2-core CI machines.
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?= $(if $(CI),--create-db,--reuse-db) -n $(PYTEST_WORKERS)

pytest: caddy
	@$(WITH_ENV) $(PY) -m pytest $(PYTEST_ARGS)

# Caddy for the custom-domain TLS test: installs Debian's package when missing, or says how (bin/caddy.sh).
caddy:
	@bash bin/caddy.sh

# The browser journeys (tests/browser) in Chromium, after the rest: their own database and pytest run.
# bin/browser.sh installs Chromium when missing (or says what to install). BROWSER_ARGS go to pytest.
browser:
	@$(WITH_ENV) bash bin/browser.sh $(BROWSER_ARGS)

bench:
	@$(WITH_ENV) $(PY) bench/provision.py

# Rebuild the single-file dj-stripe migration used under test settings (after a dj-stripe upgrade).
djstripe-test-migration:
	rm -f config/test_migrations/djstripe/0*.py
	DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE) makemigrations djstripe

clean:
	rm -rf .pytest_cache .ruff_cache .mypy_cache staticfiles
