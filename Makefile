# The README's commands: `make run` serves the site with demo data; `make test` runs the suite.
# Both set up everything first: a virtual environment with the pinned dependencies and,
# unless DATABASE_URL names a PostgreSQL server, an embedded one kept in .pgdata/.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# The first Python 3.12 or newer found on PATH (Django 6.1 needs 3.12).
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; \
	then echo $$p; break; fi; done)

.PHONY: install run test lint audit check clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
		echo "Python 3.12 or newer is required (Django 6.1 needs it); none was found on PATH."; \
		echo "Install it, or run: make PYTHON=/path/to/python3.12 ..."; exit 1; fi
	@echo "Setting up $(VENV) with $$($(PYTHON) --version)..."
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	@echo ""
	@echo "Serving the NADD Commitment Tracker at http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	$(PY) manage.py runserver --noreload 127.0.0.1:$(PORT)

test: install
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Known vulnerabilities in the pinned dependencies (pip-audit asks PyPI's advisory data),
# then bandit over our own code (medium severity and up).
audit: install
	$(VENV)/bin/pip-audit --progress-spinner off --skip-editable
	$(VENV)/bin/bandit -q -ll -r nadd commitments -x commitments/migrations

clean:
	rm -rf $(VENV) *.egg-info staticfiles
