# The README's commands: `make run` serves the site with demo data; `make test` runs the suite.
# Both set up everything first: a virtual environment with the pinned dependencies and,
# unless DATABASE_URL names a PostgreSQL server, an embedded one kept in .pgdata/.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# The browser tests drive Debian's Chromium (Playwright cannot download a browser here)
# and check pages with two rules engines pinned from the npm registry, axe-core and IBM
# Equal Access's accessibility-checker-engine (tests/browser/package-lock.json).
CHROMIUM := /usr/bin/chromium
RULES_ENGINES := tests/browser/node_modules/.installed
# The first Python 3.12 or newer found on PATH (Django 6.1 needs 3.12).
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; \
	then echo $$p; break; fi; done)

.PHONY: install system-deps messages browser-deps chromium run test lint audit check clean \
	bench reliability soak

# $(call debian_package,CHECK,PACKAGE,WHY): when the shell test CHECK fails, install the
# Debian package as root, or stop and say how. (No commas inside the arguments.)
define debian_package
	@if ! $(1); then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "Installing $(2)..."; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2); \
		else \
			echo "$(3) Install it as root, e.g.: sudo apt-get install -y $(2)"; exit 1; \
		fi; \
	fi
endef

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

# WeasyPrint (the meeting brief's PDF) needs HarfBuzz's subsetting library from Debian.
system-deps:
	$(call debian_package,ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset,libharfbuzz-subset0,PDF briefs need HarfBuzz's subset library.)

# The Spanish and French catalogues are compiled from commitments/locale/*/django.po
# (GNU gettext's msgfmt), never committed as binaries.
messages: install
	$(call debian_package,command -v msgfmt >/dev/null 2>&1,gettext,Compiling translations needs GNU gettext.)
	cd commitments && ../$(PY) ../manage.py compilemessages -v0

# What the browser tests need besides Python: Chromium and the two rules engines.
browser-deps: chromium $(RULES_ENGINES)

chromium:
	$(call debian_package,[ -x $(CHROMIUM) ],chromium,The browser tests need Chromium at $(CHROMIUM).)

$(RULES_ENGINES): tests/browser/package.json tests/browser/package-lock.json
	$(call debian_package,command -v npm >/dev/null 2>&1,npm,The accessibility tests need npm to install the pinned rules engines.)
	npm ci --prefix tests/browser --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

run: install system-deps messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	@echo ""
	@echo "Serving the NADD Commitment Tracker at http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	@echo "as people meet it: real error pages, static files from WhiteNoise; DJANGO_DEBUG=1 make run shows Django's debug pages"
	@echo "with a worker beside it for the background jobs (exports, PDF briefs)"
	@# The worker runs beside the web server and stops with it (Ctrl-C, or either one exiting).
	@$(PY) manage.py db_worker --no-reload --interval 1 -v0 & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver --noreload 127.0.0.1:$(PORT)

test: install system-deps messages browser-deps
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest

# Performance and reliability drivers, on their own embedded PostgreSQL in .pgdata/bench/,
# never the development data. See docs/performance.md and docs/operations.md.
bench: install system-deps
	env -u PYENV_VERSION -u PYENV_DIR $(PY) -m tests.bench.run

reliability: install
	env -u PYENV_VERSION -u PYENV_DIR $(PY) -m tests.bench.reliability all

soak: install
	env -u PYENV_VERSION -u PYENV_DIR $(PY) -m tests.bench.reliability soak --minutes 10

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# bandit over our own code (medium severity and up), then known vulnerabilities in the
# installed dependencies (pip-audit asks PyPI's advisory data; --strict: a dependency it
# could not check is a failure, not a pass).
audit: install
	$(VENV)/bin/bandit -q -ll -r nadd commitments -x commitments/migrations
	$(VENV)/bin/pip-audit --strict --progress-spinner off --skip-editable

clean:
	rm -rf $(VENV) *.egg-info staticfiles tests/browser/node_modules
