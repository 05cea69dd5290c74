# Two commands matter: `make run` (build the graph from data/ and serve it) and
# `make test`. Both create .venv and install everything on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
NODE_STAMP := node_modules/.installed-stamp
VENDOR := server/static/vendor
# The browser libraries the pages load, copied from node_modules into our static folder.
VENDOR_FILES := @zazuko/yasgui/build/yasgui.min.js @zazuko/yasgui/build/yasgui.min.css \
	chart.js/dist/chart.umd.min.js cytoscape/dist/cytoscape.min.js
INPUTS := $(shell find data ontology shapes -type f 2>/dev/null)
BUILT  := var/current/report.json

.PHONY: install build run serve lint components test test-fast bench messages clean

install: $(STAMP) $(NODE_STAMP) $(VENDOR)/.copied

# Front-end data and libraries, pinned by package-lock.json, served from our own server.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

$(VENDOR)/.copied: $(NODE_STAMP)
	mkdir -p $(VENDOR)
	for file in $(VENDOR_FILES); do cp node_modules/$$file $(VENDOR)/; done
	touch $@

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Rebuild only when the store is missing or older than its inputs.
$(BUILT): $(STAMP) $(INPUTS)
	$(BIN)/dskg build

build: install
	$(BIN)/dskg build

run: $(BUILT) $(NODE_STAMP) $(VENDOR)/.copied
	$(BIN)/dskg serve

serve: install
	$(BIN)/dskg serve

# Style and types first (seconds), then every test.
lint: install
	$(BIN)/ruff check dskg server tests bench
	$(BIN)/mypy

# Debian components the tests start themselves, in throwaway folders: installed when
# missing if we are root with apt, otherwise named (their tests are then skipped).
DEBIAN_COMPONENTS := chromium chromium-driver wordpress mariadb-server php-cli php-mysql \
	virtuoso-opensource nginx openrefine
components:
	@missing="$$(for p in $(DEBIAN_COMPONENTS); do dpkg -s $$p >/dev/null 2>&1 || printf '%s ' $$p; done)"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing $$missing"; apt-get update -qq; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else echo "missing $$missing(their tests are skipped); install with: sudo apt-get install -y $$missing"; fi

# Bytecode is cached for the tests (an environment may turn it off): collecting the suite
# and each command a test runs would otherwise compile every module again.
test: lint components
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest

# The quick loop (about 13 s on 2 cores): unit tests and the app in-process on two shared builds;
# real servers, browsers, builds of their own and exhaustive sweeps are left to `make test`.
test-fast: install
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -m "not slow"

# The interface text: extracted from the code and templates into messages.pot, then merged
# into each language's .po file for translators (tests/test_i18n.py says what is missing).
CATALOGUES := server/translations
messages: install
	$(BIN)/pybabel extract -F babel.cfg --add-location=file --sort-output --project dskg \
		--copyright-holder "dskg contributors" -k said -o $(CATALOGUES)/messages.pot .
	$(BIN)/pybabel update -i $(CATALOGUES)/messages.pot -d $(CATALOGUES) --ignore-obsolete

bench: install
	$(BIN)/python bench/build_bench.py 1000 10000

clean:
	rm -rf var .pytest_cache node_modules $(VENDOR)
