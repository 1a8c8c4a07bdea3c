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
GRID ?=
JOBS ?= 2
SCHEDULER ?=
SPACE ?=
TRIALS ?= 20
METRIC ?=
STUDY ?=
SEED ?=
DIRECTION ?=
THREADS ?=
BACKEND ?=
ARTIFACTS ?=
BIND ?=
TO ?=
RUNS ?=
# apt-get needs root: sudo unless make already runs as root (as in CI)
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
# the fast lane of the suite: a marker expression (markers declared in pyproject.toml)
FAST_TESTS := not kernel and not server and not browser and not slow

# Every variable a user passes reaches nbops as data, never as code. make would expand `$(...)` in
# a command-line value wherever it is referenced or exported, so none is exported; each reaches the
# recipe unexpanded ($(value ...)) as the environment variable NBOPS_MAKE_<NAME>, which the shell
# only ever reads quoted ("$$NBOPS_MAKE_NB"): quotes, `$(shell ...)` or `;` in a value are passed on.
USER_VARS := NB PARAMS PARAMS_FILE NAME RUN REF CUR MODEL MODEL_NAME VERSION ALIAS INPUT OUTPUT \
	FORCE PORT TEMPLATE ARGS THREADS GRID JOBS SCHEDULER SPACE TRIALS METRIC STUDY SEED DIRECTION \
	BACKEND ARTIFACTS BIND TO RUNS
unexport $(USER_VARS)
$(foreach v,$(USER_VARS),$(eval export NBOPS_MAKE_$(v) = $$(value $(v))))
# $(call opt,NAME,--flag): `--flag "<value of NAME>"` when NAME is set, nothing when it is empty
opt = $${NBOPS_MAKE_$(1):+$(2) "$$NBOPS_MAKE_$(1)"}
RUN_ARGS := --params "$$NBOPS_MAKE_PARAMS" $(call opt,PARAMS_FILE,-f) $(call opt,NAME,--name)
SWEEP_ARGS := $(RUN_ARGS) $(call opt,JOBS,--jobs) $(call opt,SCHEDULER,--scheduler) \
	$(call opt,METRIC,--metric) $(call opt,DIRECTION,--direction)

.PHONY: help setup venv browser-deps new-notebook lab run-notebook sweep tune runs reproduce test test-fast bench check lint format export export-check drift registry promote serve predict ui server sync postgres-deps gallery clean-runs

## help: list the targets with one line each
help:
	@printf 'nbops — notebook-first MLOps. Usage: make <target> [VAR=value ...]\n\n'; grep -E '^## [a-z-]+:' $(MAKEFILE_LIST) | sed -E 's/^## ([a-z-]+): /  \1\t/' | expand -t 18

# uv itself: the one on PATH, else a private copy under .tools/ (the global Python is untouched).
.tools/bin/uv:
	$(PYTHON) -m venv .tools && .tools/bin/pip install --quiet --disable-pip-version-check uv

# The project environment, rebuilt from the lock file whenever it changes.
$(STAMP): uv.lock pyproject.toml | $(if $(filter .tools/bin/uv,$(UV)),.tools/bin/uv)
	$(UV) sync --frozen --compile-bytecode && touch $@

## venv: create .venv from uv.lock (every other target does this first)
venv: $(STAMP)

## setup: create .venv and install the pre-commit git hook
setup: $(STAMP)
	$(BIN)/pre-commit install

## browser-deps: install chromium and chromium-driver for the browser test (Debian, apt-get)
browser-deps:
	@if { command -v chromium || command -v google-chrome; } >/dev/null && command -v chromedriver >/dev/null; then echo "browser-deps: a browser and chromedriver are installed"; else $(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver; fi

## postgres-deps: install PostgreSQL for the team-server tests (Debian's postgresql, apt-get)
# Debian's package rather than an embedded-PostgreSQL wheel: it is the server a team runs, and the
# wheels on PyPI download or bundle their own binaries of another build.
postgres-deps:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null; then echo "postgres-deps: PostgreSQL is installed"; else $(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql; fi

## new-notebook: copy templates/TEMPLATE.ipynb to notebooks/NAME.ipynb (no TEMPLATE: list them)
new-notebook: $(STAMP)
	$(BIN)/nbops new $(if $(value TEMPLATE),"$$NBOPS_MAKE_TEMPLATE" "$$NBOPS_MAKE_NAME",--list)

## lab: JupyterLab on 127.0.0.1 with the templates under File > New > Notebook from template
lab: $(STAMP)
	$(BIN)/nbops lab $(call opt,PORT,--port)

## run-notebook: run NB (default: classification template) with PARAMS="A=1 B=x" / PARAMS_FILE / NAME
run-notebook: $(STAMP)
	$(BIN)/nbops run "$$NBOPS_MAKE_NB" $(RUN_ARGS)

## sweep: run NB over GRID="A=1,2 B=x,y" with JOBS (default 2) [SCHEDULER=tcp://HOST:PORT PARAMS PARAMS_FILE NAME METRIC]
sweep: $(STAMP)
	$(BIN)/nbops sweep "$$NBOPS_MAKE_NB" --grid "$$NBOPS_MAKE_GRID" $(SWEEP_ARGS)

## tune: Optuna over NB with SPACE=space.yaml TRIALS=20 METRIC=f1_macro [JOBS STUDY SEED SCHEDULER PARAMS]
tune: $(STAMP)
	$(BIN)/nbops tune "$$NBOPS_MAKE_NB" --space "$$NBOPS_MAKE_SPACE" --trials "$$NBOPS_MAKE_TRIALS" $(SWEEP_ARGS) $(call opt,STUDY,--study) $(call opt,SEED,--seed)

## runs: list the runs and sweeps kept under runs/, with verdicts and headline metrics
runs: $(STAMP)
	$(BIN)/nbops runs

## gallery: write runs/index.html, every run and sweep on one offline page (filter, sort, compare)
gallery: $(STAMP)
	$(BIN)/nbops gallery

## drift: compare CUR with REF (CSV/parquet) with Evidently, e.g. REF=a.csv CUR=b.csv [PARAMS=...]
drift: $(STAMP)
	$(BIN)/nbops run templates/drift.ipynb $${NBOPS_MAKE_REF:+--set "REFERENCE_PATH=$$NBOPS_MAKE_REF"} $${NBOPS_MAKE_CUR:+--set "CURRENT_PATH=$$NBOPS_MAKE_CUR"} $(RUN_ARGS)

## registry: list registered models (ARGS="versions NAME" or ARGS="compare NAME V1 V2")
registry: $(STAMP)
	set -f; $(BIN)/nbops registry $${NBOPS_MAKE_ARGS:-list}

## promote: point MODEL_NAME@ALIAS (default champion) at VERSION
promote: $(STAMP)
	$(BIN)/nbops registry promote "$$NBOPS_MAKE_MODEL_NAME" "$$NBOPS_MAKE_VERSION" --alias "$$NBOPS_MAKE_ALIAS"

## serve: serve MODEL (default models:/penguins-species@champion) over REST on 127.0.0.1:PORT
serve: $(STAMP)
	$(BIN)/nbops serve "$$NBOPS_MAKE_MODEL" $(call opt,PORT,--port)

## predict: score INPUT (CSV) into OUTPUT with MODEL (FORCE=1 overwrites OUTPUT)
predict: $(STAMP)
	$(BIN)/nbops predict "$$NBOPS_MAKE_MODEL" "$$NBOPS_MAKE_INPUT" "$$NBOPS_MAKE_OUTPUT" $${NBOPS_MAKE_FORCE:+--force}

## ui: the MLflow UI on 127.0.0.1 for the embedded store under runs/ (PORT, default 5000)
ui: $(STAMP)
	$(BIN)/nbops ui $(call opt,PORT,--port)

## server: MLflow tracking server for a team on 127.0.0.1:PORT [BACKEND=postgresql://... ARTIFACTS=DIR BIND=0.0.0.0]
server: $(STAMP)
	$(BIN)/nbops server $(call opt,BACKEND,--backend) $(call opt,ARTIFACTS,--artifacts) $(call opt,BIND,--host) $(call opt,PORT,--port)

## sync: push the runs a server missed to MLFLOW_TRACKING_URI or TO=URI [RUNS="id id"]
sync: $(STAMP)
	set -f; $(BIN)/nbops sync $$NBOPS_MAKE_RUNS $(call opt,TO,--to)

## reproduce: re-execute RUN (run folder, id or latest) with nbval and compare every output
reproduce: $(STAMP)
	$(BIN)/nbops reproduce "$$NBOPS_MAKE_RUN" $(call opt,THREADS,--threads)

## test: run the whole test suite (unit, integration, kernels, servers, browser) on every core
test: $(STAMP)
	$(BIN)/pytest -n auto --dist loadgroup

## test-fast: the edit loop: the tests that start no kernel, server or browser and are not slow
test-fast: $(STAMP)
	$(BIN)/pytest -n auto --dist loadgroup -m "$(FAST_TESTS)"

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
	@read -p "Delete every run under runs/? [y/N] " answer && [ "$$answer" = y ] && find runs -mindepth 1 -maxdepth 1 ! -name .gitkeep -exec rm -rf {} + || true
