# Serene: `make run` serves the app with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
PYTEST_ARGS ?=
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: lint typecheck imports run site-url serve test test-sqlite test-postgres test-clocks test-clocks-today install axe vnu migrate seed bench bench-scale clean

$(VENV)/.installed: pyproject.toml uv.lock
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(PYTHON) -m uv sync --frozen --python $(PYTHON)
	@touch $@

install: $(VENV)/.installed

# ruff, with the rule set of pyproject.toml ([tool.ruff]); .ci/run runs it before the suite.
lint: install
	$(VENV)/bin/ruff check serene tests bench

# mypy with django-stubs on serene/ ([tool.mypy] in pyproject.toml); .ci/run runs it with lint.
typecheck: install
	$(VENV)/bin/mypy

# import-linter: the layers and independence contracts of pyproject.toml ([tool.importlinter]).
imports: install
	$(VENV)/bin/lint-imports

# axe-core, the accessibility checker the browser tests run on every page (from the npm registry).
AXE_VERSION := 4.14.1
AXE_JS := var/axe/node_modules/axe-core/axe.min.js
$(AXE_JS):
	@command -v npm >/dev/null 2>&1 && npm install --silent --no-audit --no-fund --prefix var/axe axe-core@$(AXE_VERSION) \
	  || echo "axe-core not installed (no npm): the accessibility checks skip, or fail with CI=true"

axe: $(AXE_JS)

# The Nu Html Checker (vnu), which tests/core/test_html_valid.py runs over the pages' HTML: the npm
# package vnu-jar, run by Debian's Java runtime (apt-get install -y default-jre-headless).
VNU_VERSION := 26.9.27
VNU_JAR := var/vnu/node_modules/vnu-jar/build/dist/vnu.jar
$(VNU_JAR):
	@command -v npm >/dev/null 2>&1 && npm install --silent --no-audit --no-fund --prefix var/vnu vnu-jar@$(VNU_VERSION) \
	  || echo "vnu-jar not installed (no npm): the HTML check skips, or fails with CI=true"
	@command -v java >/dev/null 2>&1 || echo "No java to run vnu.jar (apt-get install -y default-jre-headless): the HTML check skips, or fails with CI=true"

vnu: $(VNU_JAR)

migrate: install
	DEBUG=$${DEBUG:-true} $(PY) manage.py migrate --noinput

seed: migrate
	DEBUG=$${DEBUG:-true} $(PY) manage.py seed_demo

# Listening on every interface (HOST=0.0.0.0 or ::) needs the address people open, SITE_URL: pages load
# the payment script from it and emails link to it (README, "The two commands"). Checked before any work.
site-url:
	@if [ -z "$$SITE_URL" ] && { [ "$(HOST)" = "0.0.0.0" ] || [ "$(HOST)" = "::" ]; }; then \
	  echo ""; \
	  echo "  make run HOST=$(HOST) listens on every address, but pages and emails need the one people open."; \
	  echo "  Add it: make run HOST=$(HOST) PORT=$(PORT) SITE_URL=http://<this machine's address>:$(PORT)"; \
	  echo ""; exit 2; fi

run: site-url seed
	@echo ""
	@echo "  Serene is starting at $${SITE_URL:-http://$(HOST):$(PORT)}/"
	@echo "  Demo logins (password serene-demo-2026):"
	@echo "    customer  customer@serene.test"
	@echo "    expert    expert@serene.test"
	@echo "    staff     admin@serene.test   (admin at http://$(HOST):$(PORT)/admin/)"
	@echo "  API docs: http://$(HOST):$(PORT)/api/v1/docs"
	@echo "  Emails sent: http://$(HOST):$(PORT)/dev/mail/   (saved under var/mail/ unless EMAIL_HOST or EMAIL_PROVIDER is set)"
	@echo ""
	DEBUG=$${DEBUG:-true} HOST=$(HOST) SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)} $(VENV)/bin/honcho start -f Procfile.dev -p $(PORT)

# The two rounds run side by side (one per core); -O prints each round's output whole when it ends.
test: install axe vnu
	@echo "Running the suite on SQLite and on PostgreSQL side by side; each round prints when it ends."
	@$(MAKE) --no-print-directory -j2 -O test-sqlite test-postgres

test-sqlite: install
	@echo "== Serene test suite on SQLite =="
	env -u DATABASE_URL $(PY) -m pytest $(PYTEST_ARGS)

test-postgres: install
	@if $(PY) scripts/postgres_ready.py "$(TEST_POSTGRES_URL)"; then \
	  echo "== Serene test suite on PostgreSQL ($(TEST_POSTGRES_URL)) =="; \
	  DATABASE_URL="$(TEST_POSTGRES_URL)" $(PY) -m pytest $(PYTEST_ARGS); \
	elif [ "$$CI" = "true" ]; then \
	  echo "PostgreSQL is not reachable at $(TEST_POSTGRES_URL); with CI=true this fails the run."; exit 1; \
	else \
	  echo "SKIPPED: the PostgreSQL run of the suite (no server at $(TEST_POSTGRES_URL); set TEST_POSTGRES_URL)."; \
	fi

# The suite (browser tests aside: they keep the real clock) on SQLite with the clock moved to each
# instant of tests/clock.py, two rounds at a time, each in its own var/ folder. CLOCKS picks some:
# make test-clocks CLOCKS="leap-day new-years-eve". test-clocks-today runs the three of today's date
# (a different three each day), as CI does.
CLOCKS ?= $(shell $(PY) -c "import tests.clock as c; print(' '.join(c.CLOCKS))")
test-clocks: install
	@echo "Running the suite on SQLite with the clock at: $(CLOCKS)"
	@$(MAKE) --no-print-directory -j2 -O $(addprefix test-clock-,$(CLOCKS))

test-clocks-today: install
	@$(MAKE) --no-print-directory test-clocks \
	  CLOCKS="$$($(PY) -c "import datetime, tests.clock as c; print(' '.join(c.clocks_for_day(datetime.date.today())))")"

test-clock-%: install
	@rm -rf var/clock-$* && mkdir -p var/clock-$*
	@echo "== Serene test suite on SQLite, clock at $* =="
	env -u DATABASE_URL SERENE_VAR_DIR=$(CURDIR)/var/clock-$* $(PY) -m pytest -m "not browser" --clock=$* $(PYTEST_ARGS)

bench: install
	@for script in bench/*.py; do echo "== $$script =="; $(PY) $$script || exit 1; done

# Pages at scale (issue 18) on SQLite, then on PostgreSQL when it answers (scratch database serene_bench_scale).
BENCH_SCALE_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/serene_bench_scale
bench-scale: install
	env -u DATABASE_URL $(PY) bench/scale.py
	@if $(PY) scripts/postgres_ready.py "$(TEST_POSTGRES_URL)"; then DATABASE_URL="$(BENCH_SCALE_POSTGRES_URL)" $(PY) bench/scale.py; \
	else echo "SKIPPED: bench/scale.py on PostgreSQL (no server at $(BENCH_SCALE_POSTGRES_URL))"; fi

clean:
	rm -rf $(VENV) var
