# Dispatch112 — the two commands: `make run` (demo, embedded) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-test migrate messages bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py collectstatic --noinput -v 0
	$(PY) manage.py seed_demo
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

# Tests need a SECRET_KEY when DATABASE_URL/REDIS_URL select the production profile.
# The suite runs on pytest-xdist workers: one per core, at most 2 (TEST_WORKERS=0: in one process).
# Each worker has its own test database and, on Redis, the database after REDIS_URL's per worker
# (REDIS_URL …/14 uses 14 and 15). Tests sharing a started process stay on one worker (loadgroup),
# and each worker keeps pytest-django's order: db tests, transactional ones, the rest (no reorder).
TEST_WORKERS ?= auto
test: export SECRET_KEY ?= test-only-secret-key-not-for-production-0123456789
test: install-test
	$(PY) -m pytest -n $(TEST_WORKERS) --maxprocesses 2 --dist loadgroup --no-loadscope-reorder $(PYTEST_ARGS)

messages: install
	$(PY) manage.py makemessages -l id -l en --ignore '.venv/*' --ignore 'staticfiles/*' --no-obsolete
	$(PY) manage.py compilemessages --ignore '.venv/*'

bench: install-test
	@for script in bench/*.py; do case $$script in bench/support.py) continue;; esac; echo "== $$script"; $(PY) $$script || exit 1; done

clean:
	rm -rf var staticfiles .pytest_cache
