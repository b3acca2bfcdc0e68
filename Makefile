# Portal Kelurahan: the project's vocabulary. `make run` and `make test` work on a bare machine
# with Python 3.11; everything else they need is installed from the lock files.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test bench lint format messages lock check audit clean

# The lock holds every package of the closure with its hashes, so pip installs exactly those
# (--no-deps): pip 23 re-resolves an extra such as weasyprint's fonttools[woff] against the index and
# refuses the unpinned result, although the lock pins fonttools and the extra's packages.
$(BIN)/.installed: requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements-dev.lock
	touch $@

## run: start the portal on SQLite with the demo city at http://127.0.0.1:$(PORT)
run: $(BIN)/.installed
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py demo_setup
	@echo "Portal: http://127.0.0.1:$(PORT)/   Staff: http://127.0.0.1:$(PORT)/admin/"
	@# On PostgreSQL the task worker runs beside the server and stops with it; on SQLite tasks
	@# run in the server's process (kelurahan/background.py), so there is no worker to start.
	@case "$$DATABASE_URL" in postgres*) \
	  DEBUG=true $(BIN)/python manage.py procrastinate worker & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM;; esac; \
	DEBUG=true $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## test: the whole suite (SQLite unless DATABASE_URL is set)
test: $(BIN)/.installed
	$(BIN)/python -m pytest -q

## bench: benchmarks that print figures (PostgreSQL; BENCH_DATABASE_URL overrides): provisioning,
## pages, UMKM, page weight, the server under gunicorn, letter signing, resident import, staff
## pages at 100 vs 100,000 residents, the operator's journey in the browser, the city dashboard
bench: $(BIN)/.installed
	$(BIN)/python tests/bench/run.py
	$(BIN)/python tests/bench/letters.py
	$(BIN)/python tests/bench/import_residents.py
	$(BIN)/python tests/bench/residents.py
	$(BIN)/python tests/bench/operator_journey.py
	$(BIN)/python tests/bench/dashboard.py

## bench-dashboard: Diskominfo's dashboard with all of Indonesia provisioned and a share filled
## with letters: server time, queries and database size
.PHONY: bench-dashboard
bench-dashboard: $(BIN)/.installed
	$(BIN)/python tests/bench/dashboard.py

## bench-operator: Skuter, kematian and kelahiran from the work page to a signed PDF in chromium
## (page loads, fields typed, server time per letter), and the work page at 100 vs 100,000 letters
.PHONY: bench-operator
bench-operator: $(BIN)/.installed
	$(BIN)/python tests/bench/operator_journey.py

## bench-growth: the public pages (map data, lists, search, homes) at 200, 2,000 and 20,000 UMKM
## in the demo city, page cache off: bytes raw and gzipped, queries, server time; then the city
## UMKM list's page-cache hits vs a static file under gunicorn (wrk)
.PHONY: bench-growth
bench-growth: $(BIN)/.installed
	$(BIN)/python tests/bench/growth.py

## bench-server: only the server benchmark (gunicorn + PostgreSQL + Redis, driven by wrk)
.PHONY: bench-server
bench-server: $(BIN)/.installed
	$(BIN)/python tests/bench/server.py

## bench-faults: the portal under load while Redis stops, Redis black-holes, PostgreSQL restarts
## (this machine's cluster!), a worker dies, and random query strings flood the page cache
.PHONY: bench-faults
bench-faults: $(BIN)/.installed
	$(BIN)/python tests/bench/faults.py

## bench-lighthouse: Google Lighthouse (mobile, as PageSpeed) on the public pages; npm ci into
## tests/bench/lighthouse/ on first use, Debian's chromium
.PHONY: bench-lighthouse
bench-lighthouse: $(BIN)/.installed
	$(BIN)/python tests/bench/lighthouse.py

## cluster-test: the portal as production runs it, on this machine: HAProxy (Debian package,
## installed if missing) in front of two gunicorn nodes and a task worker, PostgreSQL primary and
## streaming replica, Redis, SeaweedFS (S3); a resident's request on one node signed on the other,
## the page cache across nodes, a worker and a node killed, the replica stopped; prints a table
.PHONY: cluster-test
cluster-test: $(BIN)/.installed
	$(BIN)/python tests/cluster/run.py

## lint: ruff check and format check
lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## messages: refresh and compile the translations
messages: $(BIN)/.installed
	DEBUG=true $(BIN)/python manage.py makemessages -l id -l en --no-obsolete --ignore '.venv/*' --ignore 'staticfiles/*' --ignore 'tests/*' \
		--ignore 'artifacts/*' --ignore 'scripts/bootstrap/node_modules/*'
	@# The admin's JavaScript strings (its filter_horizontal widget, calendar) our locale corrects,
	@# kept by the markers in portal/library_strings.js.
	DEBUG=true $(BIN)/python manage.py makemessages -d djangojs -l id --no-obsolete --ignore '.venv/*' --ignore 'staticfiles/*' --ignore 'tests/*' \
		--ignore 'static/vendor/*' --ignore 'artifacts/*' --ignore 'scripts/bootstrap/node_modules/*'
	DEBUG=true $(BIN)/python manage.py compilemessages --ignore '.venv/*'

## audit: known vulnerabilities in the locked dependencies (pip-audit; scripts/audit.py says
## NOT AUDITED when no vulnerability database answers; AUDIT_FLAGS=--require-database fails then)
audit: $(BIN)/.installed
	$(BIN)/python scripts/audit.py $(AUDIT_FLAGS)

## check: migrations are in step with models
check: $(BIN)/.installed
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

## lock: re-pin dependencies from pyproject.toml (needs uv)
lock:
	uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -o requirements.lock
	uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements-dev.lock

clean:
	rm -rf $(VENV) var staticfiles
