# Two commands for a fresh machine with only python3 and make: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed

.PHONY: run test install migrate demo lint format messages bench lock clean worker docs screenshots

$(STAMP): requirements/base.txt requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements/base.txt -r requirements/dev.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --no-input

demo: migrate
	$(PY) manage.py demo_data

## Start web server, Celery worker and beat on http://127.0.0.1:8000 with demo data; the demo
## logins (with their two-step login keys) are printed again once the site answers.
run: demo
	mkdir -p var
	$(BIN)/honcho -f Procfile.dev start

## Run the whole test suite (SQLite by default; PostgreSQL/Redis when DATABASE_URL/REDIS_URL).
test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Extract and compile translations (needs GNU gettext: apt-get install gettext).
messages: install
	$(PY) manage.py makemessages -l nl --no-obsolete --ignore=.venv --ignore=bench --ignore=tests
	$(PY) manage.py compilemessages --ignore=.venv

## Benchmarks: medians and SQL query counts next to a trivial view measured in the same run.
## SQLite by default (var/bench.sqlite3); on PostgreSQL: make bench DATABASE_URL=postgres://…
## (the database is created if missing); size: BENCH_ARGS="--questions 5000000". See docs/benchmarks.md.
bench: install
	$(PY) -m bench $(BENCH_ARGS)

## Over HTTP, on PostgreSQL (docs/benchmarks.md): 200 simultaneous public-form posts to gunicorn
## (make loadtest DATABASE_URL=postgres://… [REDIS_URL=…] [BENCH_ARGS="--warmup 20"]), and the
## triage board under gunicorn with the production settings, on the database make bench filled
## (make http-bench DATABASE_URL=postgres://… REDIS_URL=redis://… [BENCH_ARGS="--duration 20"]).
.PHONY: loadtest http-bench
loadtest: install
	$(PY) -m bench.loadtest $(BENCH_ARGS)

http-bench: install
	$(PY) -m bench.http_bench $(BENCH_ARGS)

## The documentation site (MkDocs) into site/; a warning (a broken link, a page missing from
## the nav) fails the build. The privacy page's data inventory is generated from the code first.
docs: install
	$(PY) scripts/docs_privacy.py
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

## The manual's screenshots (docs/img/), from the demo data on a throwaway database, in Chromium.
screenshots: install
	$(PY) scripts/screenshots.py

## Migrate a filled database of the last release forward with this code and verify it
## (scripts/check-migrate-forward); MIGRATE_FORWARD_DB=postgres for PostgreSQL.
.PHONY: migrate-forward
migrate-forward: install
	scripts/check-migrate-forward $(MIGRATE_FORWARD_DB)

## Re-pin the dependency set after editing requirements/*.in.
lock: install
	cd requirements && ../$(BIN)/pip-compile -q --strip-extras --no-emit-index-url --no-emit-find-links -o base.txt base.in
	cd requirements && ../$(BIN)/pip-compile -q --strip-extras --no-emit-index-url --no-emit-find-links -o dev.txt dev.in

worker: install
	$(BIN)/celery -A sportloket worker -B -l INFO

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* var staticfiles site
