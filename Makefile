# Two commands: `make run` (install, index the shipped corpus, launch the chat UI)
# and `make test` (install with dev extras, lint, run the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
# torch first, pinned: 2.13.0 is the CPU build on disk; an unpinned torch pulls a CUDA build.
TORCH := torch==2.13.0

# Install steps print one line each; pip's own output goes to this log, shown when a step fails.
LOG := $(VENV)/install.log
quietly = $(1) >>$(LOG) 2>&1 || { tail -n 40 $(LOG); echo "failed: see $(LOG)"; exit 1; }

.PHONY: run test install install-dev lint eval bench clean

$(BIN)/python:
	@echo "• creating $(VENV)"
	@$(PYTHON) -m venv $(VENV)
	@$(call quietly,$(PIP) install --quiet --upgrade pip)

$(VENV)/.installed: $(BIN)/python pyproject.toml
	@echo "• installing $(TORCH) (CPU build)"
	@$(call quietly,$(PIP) install --quiet $(TORCH))
	@echo "• installing flanders-assistant and its dependencies"
	@$(call quietly,$(PIP) install --quiet -e .)
	@touch $@

# The llm extra needs llama-cpp-python, built here from source: the LLM backend tests run the
# packaged GGUF model for real. Built portable (AVX2, no AVX-512 or AMX): a native build on a
# CPU with AMX segfaults in decode (ggml-org/llama.cpp#20824). Built outside pip's wheel cache,
# which keys on the sdist alone and may hold a native build; the other packages still use it.
# Its own stamp, after the base install only in order: editing pyproject.toml does not rebuild it.
$(VENV)/.installed-llama: | $(VENV)/.installed
	@echo "• building llama-cpp-python for a portable CPU (about 10 minutes)"
	@$(call quietly,CMAKE_ARGS="-DGGML_NATIVE=OFF $(CMAKE_ARGS)" $(PIP) install --quiet \
		--no-cache-dir --force-reinstall --no-deps 'llama-cpp-python>=0.3')
	@touch $@

# (In a variable: a literal comma would split $(call)'s arguments.)
DEV_EXTRAS := '.[dev,llm]'
$(VENV)/.installed-dev: $(VENV)/.installed $(VENV)/.installed-llama
	@echo "• installing the dev tools and the llm extra"
	@$(call quietly,$(PIP) install --quiet -e $(DEV_EXTRAS))
	@touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

run: install
	@echo "• indexing $${FA_CORPUS_DIR:-corpus} (only new or changed documents)"
	@$(BIN)/flanders-assistant ingest
	@$(BIN)/flanders-assistant serve

lint: install-dev
	$(BIN)/ruff check .

# pytest exits 5 when it collects no test: make treats that, like any non-zero code, as failure.
test: install-dev lint
	$(BIN)/python -m pytest -q -p no:cacheprovider

eval: install
	$(BIN)/flanders-assistant ingest
	$(BIN)/flanders-assistant eval --report reports/eval --json reports/eval.json
	$(BIN)/flanders-assistant eval --dataset tests/eval/generalisation.jsonl \
		--report reports/eval-generalisation --json reports/eval-generalisation.json
	$(BIN)/flanders-assistant eval --dataset tests/eval/visitors.jsonl --split test \
		--report reports/eval-visitors-test --json reports/eval-visitors-test.json

bench: install-dev
	$(BIN)/flanders-assistant ingest
	$(BIN)/python benchmarks/ingest_bench.py
	$(BIN)/python benchmarks/query_bench.py
	$(BIN)/python benchmarks/llm_bench.py
	$(BIN)/python benchmarks/load_bench.py

clean:
	rm -rf $(VENV) .data reports
