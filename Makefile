# Two commands on a fresh machine: `make demo` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test install db lint bench bench-api bench-tiles bench-passport bench-map bench-load mutants mutants-sample stop clean-db

$(STAMP): pyproject.toml
	scripts/system-deps.sh postgis pdf pgbackrest
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Start PostGIS (private cluster unless NAERING_DATABASE_URL is set), migrate, load reference data.
db: install
	$(BIN)/naering db upgrade
	$(BIN)/naering reference load

## Start the product with demo data on http://127.0.0.1:$${NAERING_PORT:-8000} (Ctrl-C stops it).
## The scheduled jobs (reminders, escalations, …) run every two minutes in the background while it serves.
demo: db
	$(BIN)/naering demo load
	$(BIN)/naering jobs run --every 120 >.demo-jobs.log 2>&1 & jobs_pid=$$!; \
	trap 'kill $$jobs_pid 2>/dev/null' EXIT INT TERM; \
	$(BIN)/naering serve

## Run the whole test suite against a real PostGIS and headless Chromium.
test: install
	scripts/system-deps.sh browser gdal pgbouncer pgbackrest
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: db
	scripts/system-deps.sh gdal
	$(BIN)/python bench/run.py

## HTTP load (wrk) of the site API against tipg 1.6.1 over the same 100k published sites: bench/README.md.
bench-api: install
	scripts/system-deps.sh wrk
	$(BIN)/python bench/api_load.py

## Vector tiles over HTTP at 100k published sites (p50/p99 and KB per zoom band, the raw z8 query beside):
## bench/README.md, "Vector tiles". Reuses bench-api's database; BENCH_TILES_ARGS='--sites 10000' for fewer.
bench-tiles: install
	$(BIN)/python bench/tiles_bench.py $(BENCH_TILES_ARGS)

## The region map at 3k and 100k sites against a naive folium.GeoJson of every site: page size, first site
## drawn in headless Chromium, tiles per zoom band (bench/README.md, "Region map"). MAP_BENCH_ARGS for more.
bench-map: install
	scripts/system-deps.sh browser
	$(BIN)/python bench/map_bench.py $(MAP_BENCH_ARGS)

## The site page and the PDF passport: p50/p99 and the server's peak RSS, beside WeasyPrint's floor (bench/README.md).
## PASSPORT_BENCH_ARGS=--demo times the demo data instead of the 100k scratch database.
bench-passport: db
	scripts/system-deps.sh pdf
	$(BIN)/python bench/passport_bench.py $(PASSPORT_BENCH_ARGS)

## Load test (issue 13 §4): 64 clients for 5 min on loopback against `naering serve` over 100k sites and the demo
## (searches, pages, tiles, uploads, profile edits), then the same with the server killed (-9) and restarted
## mid-run; p99 per route, server RSS, the restart time, half-done-write checks (bench/README.md, "Load test").
bench-load: db
	$(BIN)/python bench/load_test.py $(LOAD_BENCH_ARGS)
	$(BIN)/python bench/load_test.py --kill $(LOAD_BENCH_ARGS)

## Mutation testing of the rule modules (slow; not in CI): prints the score per module and the survivors.
## Modules and tests: [tool.mutmut] in pyproject.toml; re-test some mutants: scripts/mutants.sh 'NAME*'.
mutants: install
	scripts/mutants.sh

## The same on 400 mutants drawn at random (seeded): an estimate of the score in about 20 minutes.
mutants-sample: install
	scripts/mutants.sh --sample 400

## Stop the private PostgreSQL cluster (the data stays in .pgdata/).
stop:
	$(BIN)/naering db stop

clean-db: stop
	rm -rf .pgdata
