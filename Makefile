# Lantu: the two commands are `make demo` and `make test`.
# Everything they need is installed here (pip, apt-get); nothing is assumed on the machine.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export LANTU_VAR_DIR ?= $(CURDIR)/var

.PHONY: install install-dev demo serve test lint bench clean

# Debian packages: gettext compiles the English translations.
APT_PACKAGES := gettext
# Reports: Chinese fonts, WeasyPrint's Pango/HarfBuzz, Cairo for CairoSVG (charts as PNG), poppler (PDF → PNG in tests).
REPORT_APT_PACKAGES := fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libcairo2 poppler-utils

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; }
	npm ci --no-audit --no-fund --silent
	touch $@

$(VENV)/.installed: $(BIN)/python requirements.lock pyproject.toml node_modules/.installed
	@command -v msgfmt >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES); }
	@command -v java >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless; }
	@dpkg -s $(REPORT_APT_PACKAGES) >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(REPORT_APT_PACKAGES); }
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e ".[spark]"
	cd lantu && LANTU_DEBUG=true ../$(BIN)/django-admin compilemessages --settings=lantu.settings --pythonpath=.. >/dev/null
	touch $@

install: $(VENV)/.installed

install-dev: install

demo: install
	LANTU_DEBUG=true $(BIN)/lantu demo --fresh
	LANTU_DEBUG=true $(BIN)/lantu serve --host $(HOST) --port $(PORT)

serve: install
	LANTU_DEBUG=true $(BIN)/lantu serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	LANTU_SECRET_KEY=lint-only $(BIN)/mypy lantu tests bench

test: install
	scripts/test.sh

# The PostgreSQL benchmarks each run on a throwaway server; all three take about 5½ minutes on 2 cores.
bench: install
	LANTU_DEBUG=true $(BIN)/python bench/run.py
	LANTU_DEBUG=true $(BIN)/python bench/bench_cockpit.py
	$(BIN)/python bench/bench_robustness.py
	scripts/with-postgres.sh $(BIN)/python bench/bench_import.py --rows 100000 --profile-rows 20000
	scripts/with-postgres.sh $(BIN)/python bench/bench_aggregation_db.py
	scripts/with-postgres.sh $(BIN)/python bench/bench_load.py
	$(BIN)/python bench/bench_pipelines.py --rows 20000000 --spark-rows 1000000 --pandas-rows 3000000

clean:
	rm -rf $(VENV) var/staticfiles .mypy_cache .ruff_cache
