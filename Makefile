# One verb per task, used the same way by people, hooks and CI. `make help` lists them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
EXTRAS := $(VENV)/.installed-extras

.DEFAULT_GOAL := help
.PHONY: help install install-extras demo test test-fast lint format typecheck bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

# The optional extras the full suite exercises: a real llama.cpp model in-process and
# OpenTelemetry export. llama-cpp-python compiles from source (about 5 minutes on 2 cores).
$(EXTRAS): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,local,otel]'
	@touch $@

install: $(STAMP) ## Create .venv and install SolCoder with its test tools

install-extras: $(EXTRAS) ## Also install the local-model and OpenTelemetry extras

demo: $(STAMP) ## Run the smoke conversation offline (no key, no network)
	$(BIN)/solcoder --dry-run-llm --offline-mode

test: $(EXTRAS) ## Run the whole test suite, local-model tests included (what CI runs)
	$(BIN)/python -m pytest -q

test-fast: $(STAMP) ## Skip the end-to-end and local-model rings (no compile needed)
	$(BIN)/python -m pytest -q -m "not e2e and not local"

lint: $(STAMP) ## ruff (lint + format check) and mypy --strict
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

format: $(STAMP) ## Apply ruff formatting and autofixes
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

typecheck: $(STAMP) ## mypy --strict on src/
	$(BIN)/mypy

bench: $(STAMP) ## Run the benchmarks (ratios against baselines measured in the same run)
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/streaming.py

clean: ## Remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
