# The two commands a reader needs:
#   make book   set up .venv, execute every notebook, build the website into _build/html
#   make test   set up .venv, then lint, unit tests, every notebook executed, strict book build
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# TensorFlow writes log lines to stderr unless both are set before it is imported.
export TF_CPP_MIN_LOG_LEVEL := 3
export TF_ENABLE_ONEDNN_OPTS := 0
export PYTHONHASHSEED := 0
# pip prints a warning line per package for this machine's optional local indexes; hide them.
PIP_FILTER := sed '/^WARNING: Location .* is ignored/d'

.PHONY: help setup book test lint unit notebooks strict-book clean refresh-cache

# Jupyter Book's cache re-executes a notebook only when its own cells change. The chapters
# import llmbook, so when the package's source changes every notebook must run again.
LLMBOOK_HASH = $(shell find src/llmbook -type f \( -name '*.py' -o -path '*/data/*' \) -print0 \
	| sort -z | xargs -0 cat | sha256sum | cut -c1-16)

help:
	@echo "make book   build the website into _build/html (creates .venv on first use)"
	@echo "make test   run every test: lint, unit tests, notebooks, strict book build"
	@echo "make clean  remove _build (keeps .venv)"

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || { echo "Creating $(VENV) with $$($(PYTHON) --version)"; $(PYTHON) -m venv $(VENV); }
	@echo "Installing requirements into $(VENV) (first time: a few minutes, about 2 GB)"
	$(BIN)/python -m pip install --quiet --upgrade pip 2>&1 | $(PIP_FILTER)
	$(BIN)/python -m pip install --quiet -r requirements.txt 2>&1 | $(PIP_FILTER)
	$(BIN)/python -m pip install --quiet --no-deps -e . 2>&1 | $(PIP_FILTER)
	$(BIN)/python -c "import llmbook, jupyter_book, tensorflow"
	@touch $(STAMP)

setup: $(STAMP)

refresh-cache:
	@mkdir -p _build
	@if [ "$$(cat _build/.llmbook-hash 2>/dev/null)" != "$(LLMBOOK_HASH)" ]; then \
	  if [ -d _build/.jupyter_cache ]; then echo "llmbook changed: every notebook will run again"; fi; \
	  rm -rf _build/.jupyter_cache _build/.doctrees _build/jupyter_execute; \
	  echo "$(LLMBOOK_HASH)" > _build/.llmbook-hash; \
	fi

book: $(STAMP) refresh-cache
	$(BIN)/jupyter-book build . --path-output .
	@echo "The book is at file://$(CURDIR)/_build/html/index.html"

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

unit: $(STAMP)
	$(BIN)/python -m pytest tests -n 2 --dist loadfile

notebooks: $(STAMP)
	$(BIN)/python -m pytest --nbmake --nbmake-timeout=900 -n 2 chapters

strict-book: $(STAMP) refresh-cache
	$(BIN)/jupyter-book build . --path-output . -W -n --keep-going

test: lint unit notebooks strict-book
	@echo "All tests passed."

clean:
	rm -rf _build
