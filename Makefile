# Two commands matter: `make run` (build the graph from data/ and serve it) and
# `make test`. Both create .venv and install everything on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
INPUTS := $(shell find data ontology shapes -type f 2>/dev/null)
BUILT  := var/current/report.json

.PHONY: install build run serve test bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Rebuild only when the store is missing or older than its inputs.
$(BUILT): $(STAMP) $(INPUTS)
	$(BIN)/dskg build

build: $(STAMP)
	$(BIN)/dskg build

run: $(BUILT)
	$(BIN)/dskg serve

serve: $(STAMP)
	$(BIN)/dskg serve

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/build_bench.py 1000 10000

clean:
	rm -rf var .pytest_cache
