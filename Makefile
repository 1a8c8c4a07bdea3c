# nbops — every target is one call into the `nbops` command or a project tool.
# `make` (or `make help`) lists the targets with one line each.

.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.nbops-synced
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)

NB ?= templates/classification.ipynb
PARAMS ?=
PARAMS_FILE ?=
NAME ?=
RUN ?= latest
REF ?=
CUR ?=
MODEL ?= models:/penguins-species@champion
MODEL_NAME ?= penguins-species
VERSION ?=
ALIAS ?= champion
INPUT ?=
OUTPUT ?=
FORCE ?=
PORT ?=
TEMPLATE ?=
ARGS ?=
# apt-get needs root: sudo unless make already runs as root (as in CI)
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
# Variables reach recipes as environment variables, quoted there as "$$VAR": whatever they hold
# (spaces, quotes, `;`), nbops receives it as data and no shell ever parses it as code.
export NB PARAMS PARAMS_FILE NAME RUN REF CUR MODEL MODEL_NAME VERSION ALIAS INPUT OUTPUT PORT TEMPLATE ARGS FORCE THREADS
RUN_ARGS := --params "$$PARAMS" $${PARAMS_FILE:+-f "$$PARAMS_FILE"} $${NAME:+--name "$$NAME"}
PORT_ARG := $${PORT:+--port "$$PORT"}

.PHONY: help setup venv browser-deps new-notebook lab run-notebook sweep tune runs reproduce test bench check lint format export export-check drift registry promote serve predict ui gallery clean-runs

## help: list the targets with one line each
help:
	@echo "nbops — notebook-first MLOps. Usage: make <target> [VAR=value ...]"
	@echo
	@grep -E '^## [a-z-]+:' $(MAKEFILE_LIST) | sed -E 's/^## ([a-z-]+): /  \1\t/' | expand -t 18

# uv itself: the one on PATH, else a private copy under .tools/ (the global Python is untouched).
.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv

# The project environment, rebuilt from the lock file whenever it changes.
$(STAMP): uv.lock pyproject.toml | $(if $(filter .tools/bin/uv,$(UV)),.tools/bin/uv)
	$(UV) sync --frozen --compile-bytecode
	@touch $@

## venv: create .venv from uv.lock (every other target does this first)
venv: $(STAMP)

## setup: create .venv and install the pre-commit git hook
setup: $(STAMP)
	$(BIN)/pre-commit install

## browser-deps: install chromium and chromium-driver for the browser test (Debian, apt-get)
browser-deps:
	@browser=$$(command -v chromium || command -v google-chrome); \
	if [ -n "$$browser" ] && command -v chromedriver >/dev/null; then \
		echo "browser-deps: $$browser and $$(command -v chromedriver) are installed"; \
	else \
		$(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver; \
	fi

## new-notebook: copy templates/TEMPLATE.ipynb to notebooks/NAME.ipynb (no TEMPLATE: list them)
new-notebook: $(STAMP)
	if [ -n "$$TEMPLATE" ]; then $(BIN)/nbops new "$$TEMPLATE" "$$NAME"; else $(BIN)/nbops new --list; fi

## lab: JupyterLab on 127.0.0.1 with the templates under File > New > Notebook from template
lab: $(STAMP)
	$(BIN)/nbops lab $(PORT_ARG)

## run-notebook: run NB (default: classification template) with PARAMS="A=1 B=x" / PARAMS_FILE / NAME
run-notebook: $(STAMP)
	$(BIN)/nbops run "$$NB" $(RUN_ARGS)

# --- sweeps and tuning (nbops sweep / nbops tune) ---------------------------------------------
# Make variables reach nbops as data: each is exported to the recipe's environment unexpanded
# ($(value ...)) and the shell only ever reads it quoted ("$$VAR") or split on blanks with
# globbing off, so quotes, `$(...)` or `;` in a value are passed on, never run.
GRID ?=
JOBS ?= 2
SCHEDULER ?=
SPACE ?=
TRIALS ?= 20
METRIC ?=
STUDY ?=
SEED ?=
DIRECTION ?=
SWEEP_VARS := NB GRID PARAMS PARAMS_FILE NAME JOBS SCHEDULER SPACE TRIALS METRIC STUDY SEED DIRECTION
$(foreach v,$(SWEEP_VARS),$(eval sweep tune: export NBOPS_MAKE_$(v) = $$(value $(v))))
# make would otherwise export command-line variables itself, expanding them (and any $(shell));
# the variables every target shares (NB, PARAMS, ...) stay exported for the other recipes.
unexport GRID JOBS SCHEDULER SPACE TRIALS METRIC STUDY SEED DIRECTION
SWEEP_FLAGS = set -f; flags=(); \
	for g in $$NBOPS_MAKE_GRID; do flags+=(--grid "$$g"); done; \
	for p in $$NBOPS_MAKE_PARAMS; do flags+=(--set "$$p"); done; \
	flags+=($${NBOPS_MAKE_PARAMS_FILE:+-f "$$NBOPS_MAKE_PARAMS_FILE"}); \
	flags+=($${NBOPS_MAKE_NAME:+--name "$$NBOPS_MAKE_NAME"}); \
	flags+=($${NBOPS_MAKE_JOBS:+--jobs "$$NBOPS_MAKE_JOBS"}); \
	flags+=($${NBOPS_MAKE_SCHEDULER:+--scheduler "$$NBOPS_MAKE_SCHEDULER"}); \
	flags+=($${NBOPS_MAKE_METRIC:+--metric "$$NBOPS_MAKE_METRIC"}); \
	flags+=($${NBOPS_MAKE_DIRECTION:+--direction "$$NBOPS_MAKE_DIRECTION"})

## sweep: run NB over GRID="A=1,2 B=x,y" with JOBS (default 2) [SCHEDULER=tcp://HOST:PORT PARAMS NAME METRIC]
sweep: $(STAMP)
	@$(SWEEP_FLAGS); $(BIN)/nbops sweep "$$NBOPS_MAKE_NB" "$${flags[@]}"

## tune: Optuna over NB with SPACE=space.yaml TRIALS=20 METRIC=f1_macro [JOBS STUDY SEED SCHEDULER]
tune: $(STAMP)
	@$(SWEEP_FLAGS); \
	flags+=($${NBOPS_MAKE_STUDY:+--study "$$NBOPS_MAKE_STUDY"}); \
	flags+=($${NBOPS_MAKE_SEED:+--seed "$$NBOPS_MAKE_SEED"}); \
	$(BIN)/nbops tune "$$NBOPS_MAKE_NB" --space "$$NBOPS_MAKE_SPACE" \
		--trials "$$NBOPS_MAKE_TRIALS" "$${flags[@]}"
# --- end of sweeps and tuning ------------------------------------------------------------------

## runs: list the runs and sweeps kept under runs/, with verdicts and headline metrics
runs: $(STAMP)
	$(BIN)/nbops runs

## gallery: write runs/index.html, every run and sweep on one offline page (filter, sort, compare)
gallery: $(STAMP)
	$(BIN)/nbops gallery

## drift: compare CUR with REF (CSV/parquet) with Evidently, e.g. REF=a.csv CUR=b.csv [PARAMS=...]
drift: $(STAMP)
	$(BIN)/nbops run templates/drift.ipynb $${REF:+--set "REFERENCE_PATH=$$REF"} $${CUR:+--set "CURRENT_PATH=$$CUR"} $(RUN_ARGS)

## registry: list registered models (ARGS="versions NAME" or ARGS="compare NAME V1 V2")
registry: $(STAMP)
	set -f; $(BIN)/nbops registry $${ARGS:-list}

## promote: point MODEL_NAME@ALIAS (default champion) at VERSION
promote: $(STAMP)
	$(BIN)/nbops registry promote "$$MODEL_NAME" "$$VERSION" --alias "$$ALIAS"

## serve: serve MODEL (default models:/penguins-species@champion) over REST on 127.0.0.1:PORT
serve: $(STAMP)
	$(BIN)/nbops serve "$$MODEL" $(PORT_ARG)

## predict: score INPUT (CSV) into OUTPUT with MODEL (FORCE=1 overwrites OUTPUT)
predict: $(STAMP)
	$(BIN)/nbops predict "$$MODEL" "$$INPUT" "$$OUTPUT" $${FORCE:+--force}

## ui: the MLflow UI on 127.0.0.1 for the embedded store under runs/ (PORT, default 5000)
ui: $(STAMP)
	$(BIN)/nbops ui $(PORT_ARG)

## reproduce: re-execute RUN (run folder, id or latest) with nbval and compare every output
reproduce: $(STAMP)
	$(BIN)/nbops reproduce "$$RUN" $${THREADS:+--threads "$$THREADS"}

## test: run the whole test suite (unit, integration, notebook execution)
test: $(STAMP)
	$(BIN)/pytest -n auto --dist loadfile

## bench: run the benchmarks under tests/bench/ and print their figures
bench: $(STAMP)
	@for script in tests/bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

## check: lint notebooks with the nbops checker (sections, magic numbers, seeds, leakage)
check: $(STAMP)
	$(BIN)/nbops check

## lint: run every pre-commit hook on every file (strip outputs, ruff, nbops check)
lint: $(STAMP)
	$(BIN)/pre-commit run --all-files

## export: write notebook cells marked `#| export <module>` into lib/nblib/ (rewrites files)
export: $(STAMP)
	$(BIN)/nbops export

## export-check: fail if lib/nblib/ is out of sync with the notebooks (changes nothing)
export-check: $(STAMP)
	$(BIN)/nbops export --check

## format: format .py and .ipynb files with ruff (rewrites files)
format: $(STAMP)
	$(BIN)/ruff format .

## clean-runs: delete every run folder under runs/ (asks first)
clean-runs:
	@read -p "Delete every run under runs/? [y/N] " answer && [ "$$answer" = y ] && \
		find runs -mindepth 1 -maxdepth 1 ! -name .gitkeep -exec rm -rf {} + || true
