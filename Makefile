# Hotel Guest CRM — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export DJANGO_SETTINGS_MODULE ?= crm_site.settings.local
DEMO_GUESTS ?= 2000
# The worker `make run` starts next to the web server: Celery with embedded beat, on
# the filesystem broker under var/celery/ (or Redis when CELERY_BROKER_URL is set).
# tests/nightly/test_make_run.py starts exactly this command.
LOCAL_WORKER_ARGS := -A crm_site worker -B --concurrency 1 -l info

.PHONY: run install migrate demo nightly serve test test-fast lint format bench worker beat messages clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(PY) requirements.txt requirements-dev.txt
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py compilemessages -v0 2>/dev/null || true

# Demo data once: var/.demo-seeded marks a seeded embedded database.
var/.demo-seeded:
	$(PY) manage.py seed_demo --guests $(DEMO_GUESTS) --seed 42
	$(MAKE) nightly
	touch $@

demo: migrate var/.demo-seeded

# The nightly pipeline now, synchronously: requalify tiers → expire points → segmentation
# → churn scan → care list (recorded on the "Nightly jobs" page).
nightly: install
	$(PY) manage.py run_nightly

# The web server and, next to it, a Celery worker with beat (complaint escalations every
# few minutes, the outbox every minute, the nightly pipeline at NIGHTLY_HOUR); the worker
# stops with the server.
serve: install
	$(PY) manage.py collectstatic --noinput -v0
	@echo ""
	@echo "Hotel Guest CRM on http://127.0.0.1:8000  — demo logins (password demo-pass-2026):"
	@echo "  desk (front desk) · relations (guest relations) · sales (sales manager) · admin (chain admin) · integrator (API)"
	@echo "Celery worker + beat: $(VENV)/bin/celery $(LOCAL_WORKER_ARGS)   · health: http://127.0.0.1:8000/health/"
	@$(VENV)/bin/celery $(LOCAL_WORKER_ARGS) & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:8000

run: demo serve

test: install
	DJANGO_SETTINGS_MODULE=crm_site.settings.test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=crm_site.settings.test $(VENV)/bin/pytest -n auto $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	DJANGO_SETTINGS_MODULE=crm_site.settings.test $(PY) -m bench $(BENCH_ARGS)

worker: install
	$(VENV)/bin/celery -A crm_site worker -l info

beat: install
	$(VENV)/bin/celery -A crm_site beat -l info

messages: install
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var
	$(PY) manage.py compilemessages

clean:
	rm -rf var/crm.sqlite3 var/.demo-seeded var/static var/celery
