# Hotel Guest CRM — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export DJANGO_SETTINGS_MODULE ?= crm_site.settings.local
DEMO_GUESTS ?= 2000

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

nightly: install
	$(PY) manage.py requalify_tiers
	$(PY) manage.py expire_points
	$(PY) manage.py run_segmentation
	$(PY) manage.py scan_churn

serve: install
	$(PY) manage.py collectstatic --noinput -v0
	@echo ""
	@echo "Hotel Guest CRM on http://127.0.0.1:8000  — demo logins (password demo-pass-2026):"
	@echo "  desk (front desk) · relations (guest relations) · sales (sales manager) · admin (chain admin) · integrator (API)"
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
	rm -rf var/crm.sqlite3 var/.demo-seeded var/static
