# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export VAR_DIR ?= $(CURDIR)/var

.PHONY: run test crawl install messages compilemessages compilemessages-if-possible lint format bench loadtest loadtest-smoke check-deploy clean chromium backup restore

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c "import sys; sys.exit(sys.version_info[:2] != (3, 11))" || \
	  { echo "The portal needs Python 3.11 (found $$($(PYTHON) --version)); set PYTHON=python3.11"; exit 1; }
	@$(PYTHON) -m venv $(VENV) || { echo "Could not create $(VENV): on Debian/Ubuntu, apt-get install python3-venv"; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

compilemessages: install
	@bash scripts/ensure-gettext.sh
	DEBUG=true $(PY) manage.py compilemessages --ignore=.venv --ignore=var -v 0

# `make run` still starts without gettext, in bokmål only, and says so.
compilemessages-if-possible: install
	@if bash scripts/ensure-gettext.sh; then \
	  DEBUG=true $(PY) manage.py compilemessages --ignore=.venv --ignore=var -v 0; \
	else echo "Continuing without nynorsk and English."; fi

# Serve the portal on http://127.0.0.1:$(PORT) with the embedded SQLite database and demo data.
run: export DEBUG ?= true
run: install compilemessages-if-possible
	mkdir -p $(VAR_DIR)
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py load_demo
	$(PY) manage.py archive_backfill
	@echo
	@echo "  IMDi tilskuddsportal: http://127.0.0.1:$(PORT)/"
	@echo "  Log in with a demo user from README.md, password demo-passord-2025;"
	@echo "  IMDi users also need a code from their TOTP secret (README.md lists them)."
	@echo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# The whole suite, browser tests included. DATABASE_URL/REDIS_URL are used when set. The tests run in
# TEST_WORKERS processes (pytest-xdist, each with its own test database; tests are handed out in the
# order pytest-django gives them, so the tests that empty the database still run last in each).
TEST_WORKERS ?= 2
test: install compilemessages chromium
	mkdir -p $(VAR_DIR)
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# The axe crawl alone (`make test` runs it too): every GET URL of the URL × role matrix, as each role
# that may see it, and the admin's widgets opened (about 2 minutes).
crawl: install compilemessages chromium
	mkdir -p $(VAR_DIR)
	$(PY) -m pytest -m crawl tests/e2e/test_axe_crawl.py $(PYTEST_ARGS)

chromium:
	@bash scripts/ensure-chromium.sh

messages: install
	DEBUG=true $(PY) manage.py makemessages -l nb -l nn -l en --ignore=.venv --ignore=var --ignore=bench --no-obsolete --add-location file

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	PYTHONPATH=. $(VENV)/bin/lint-imports

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# Benchmarks (not part of `make test`): make bench ARGS="--counties 3 --calls 5 --applications 50"
bench: install compilemessages
	$(PY) bench/run.py $(ARGS)

# Deadline day with locust (README.md, "Benchmarks"): 190 users for 5 minutes against gunicorn,
# PostgreSQL, Redis (database 7) and a Celery worker: make loadtest ARGS="--seconds 60 --users 40"
loadtest: install compilemessages
	$(PY) bench/loadtest.py $(ARGS)

# The same scenario in seconds (CI runs it, so the load test cannot rot): 6 users for 12 seconds,
# a request a second each.
loadtest-smoke: install compilemessages
	$(PY) bench/loadtest.py --users 5 --readers 1 --seconds 12 --pace 1 --spawn-rate 10 --confirmations 2 \
	  --applications 60 --per-call 20 --events 10 --delegations 4 $(ARGS)

# The database and the private files into var/backups/<date>-<time>/, with a manifest of SHA-256s
# (README.md, "Drift: sikkerhetskopi og gjenoppretting"), from the same DATABASE_URL and
# PRIVATE_FILES_DIR (or S3_BUCKET) as the portal.
backup: install
	$(PY) manage.py backup

# A backup into an empty database and storage: make restore BACKUP=var/backups/<folder>
# (RESTORE_ARGS=--replace empties a database and storage that are not; --verify-only only checks).
restore: install
	@test -n "$(BACKUP)" || { echo "Which backup? make restore BACKUP=var/backups/<folder>"; exit 2; }
	$(PY) manage.py restore "$(BACKUP)" $(RESTORE_ARGS)

clean:
	rm -rf $(VENV) var
