# The two commands of the README: `make run` and `make test`. Everything else is a helper.
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: run test bench bench-jobs lint format migrations-check clean

$(VENV)/.base-installed: requirements/base.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/base.txt
	touch $@

$(VENV)/.dev-installed: requirements/dev.txt $(VENV)/.base-installed
	$(PY) -m pip install --quiet -r requirements/dev.txt
	touch $@

run: $(VENV)/.base-installed
	scripts/run.sh

# Tests run with DEBUG off (as in production) but over plain http on 127.0.0.1.
TEST_ENV := STATICFILES_BACKEND=django.contrib.staticfiles.storage.StaticFilesStorage \
	SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false SECURE_HSTS_SECONDS=0

test: $(VENV)/.dev-installed
	$(TEST_ENV) scripts/with-services.sh $(PY) -m pytest $(PYTEST_ARGS)

# wrk (the load generator) comes from Debian's packages, as PostgreSQL and Redis do in with-services.sh.
bench: $(VENV)/.dev-installed
	command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && SUDO= || SUDO=sudo; $$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; }
	scripts/with-services.sh $(PY) bench/run.py $(BENCH_ARGS)
	@echo "The scheduled checks at scale (1.2 million contacts, ~25 minutes): make bench-jobs"

# The coverage and data-decay checks over 100 workspaces of 10,000 contacts and one of 200,000 (bench/jobs_bench.py).
bench-jobs: $(VENV)/.dev-installed
	scripts/with-services.sh $(PY) bench/jobs_bench.py $(BENCH_JOBS_ARGS)

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

format: $(VENV)/.dev-installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf var staticfiles .pytest_cache
