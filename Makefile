# The two commands a reader needs:
#   make book   set up .venv, execute every notebook, build the website into _build/html
#   make test   set up .venv, then lint, unit tests, every notebook executed, strict book build,
#               and every page of the built site checked in headless Chromium
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

.PHONY: help setup book test lint unit notebooks strict-book browser clean assets readme-screenshot tiny-gpt tiny-gpt-long tiny-gpt-runs tiny-llama-ablation fine-tune

help:
	@echo "make book   build the website into _build/html (creates .venv on first use)"
	@echo "make test   run every test: lint, unit tests, strict book build (every notebook executed), browser"
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

# Every step below is a file target with a stamp, so that make skips it when nothing it
# depends on has changed (a warm `make book` then runs no Python at all).
PACKAGE := $(shell find src/llmbook -type f \( -name '*.py' -o -path '*/data/*' \) -not -path '*/__pycache__/*')
EXT := $(shell find _ext -type f -not -path '*/__pycache__/*')
BOOK_INPUTS := _config.yml _toc.yml references.bib $(wildcard chapters/*) $(PACKAGE) $(EXT)

# The site's third-party JavaScript (require.js, the widget manager, Mermaid) and web font:
# `npm pack` of exact versions into _vendor/ (ignored by git). Falls back to the CDN, saying
# so, when the npm registry cannot be reached (then no stamp is written and it tries again).
VENDOR := _vendor/.versions
$(VENDOR): .ci/vendor-assets.sh
	@.ci/vendor-assets.sh _vendor

assets: $(VENDOR)

# Chapter 15's model, trained alone before the notebooks run, so that its reported training
# time is the machine's; run again only when the package changes (it then finds its weights
# in _build/llmbook-cache unless the training code changed).
TINY_GPT := _build/llmbook-cache/.tiny-gpt
$(TINY_GPT): $(STAMP) $(PACKAGE)
	$(BIN)/python -m llmbook.tiny_gpt
	@mkdir -p $(@D) && touch $@

tiny-gpt: $(TINY_GPT)

# The larger, longer-trained model chapter 15 compares (about 15 minutes on two cores): its
# record goes to src/llmbook/data/tiny_gpt_runs/long.json, its weights to the cache.
tiny-gpt-long: $(STAMP)
	$(BIN)/python -m llmbook.tiny_gpt --record long

# Every run of tiny_gpt.RUNS that chapters 15 and 16 show from their records (about 30
# minutes on two cores without the long one).
tiny-gpt-runs: $(STAMP)
	for run in "default" "seed 1" "seed 2" "4,000 lines" "weight decay 0.1" \
	           "weight decay 0.1, seed 1" "weight decay 0.1, seed 2" "no clipping" \
	           "no clipping, seed 1" "no clipping, seed 2" "no clipping, 1,000 steps" \
	           "no clipping, 2,000 steps"; do $(BIN)/python -m llmbook.tiny_gpt --record "$$run" || exit 1; done

# Chapter 18's fine-tuning runs (and chapter 5's baselines, which it shows), likewise made
# before the notebooks, one process on the whole machine; the chapters then read them from
# the cache. Each run is cached on its own, so a change to the package retrains only what it
# touches.
FINETUNE := _build/llmbook-cache/.finetune
$(FINETUNE): $(STAMP) $(PACKAGE) $(TINY_GPT)
	$(BIN)/python -m llmbook.finetune
	@mkdir -p $(@D) && touch $@

fine-tune: $(FINETUNE)

# Chapter 24's tiny Llama (seed 0), likewise trained alone before the notebooks run, so that
# the chapter finds it in the cache instead of training beside another notebook.
TINY_LLAMA := _build/llmbook-cache/.tiny-llama
$(TINY_LLAMA): $(STAMP) $(PACKAGE)
	$(BIN)/python -m llmbook.tiny_llama
	@mkdir -p $(@D) && touch $@

# Chapter 24's ablation: every row of llmbook.tiny_llama, seeds 0, 1 and 2, with chapter 15's
# default settings and without clipping, one run after the other (each about as long as chapter
# 15's training: 48 runs); writes src/llmbook/data/tiny_llama/<run>/*.json, which are
# committed. Runs already recorded with the current settings are skipped.
tiny-llama-ablation: $(STAMP)
	$(BIN)/python -m llmbook.tiny_llama --record
	$(BIN)/python -m llmbook.tiny_llama --record --run "no clipping"

# Never stale: Jupyter Book's cache re-executes a notebook when its cells change, and the
# book's extension (_ext/book_site.py) also when the llmbook modules it imports change.
# Notebooks are executed two at a time (book_jobs in _config.yml).
JB := $(BIN)/jupyter-book build . --path-output .
BUILT := _build/html/.built
$(BUILT): $(STAMP) $(VENDOR) $(TINY_GPT) $(FINETUNE) $(TINY_LLAMA) $(BOOK_INPUTS)
	$(JB)
	@touch $@

book: $(BUILT)
	@echo "The book is at file://$(CURDIR)/_build/html/index.html"

lint: $(STAMP)
	$(BIN)/ruff check src tests bench _ext
	$(BIN)/ruff format --check src tests bench _ext

unit: $(STAMP)
	$(BIN)/python -m pytest tests --ignore=tests/browser -n 2 --dist loadfile

# The notebook test and the strict build are one step: every notebook is executed once (or
# taken from the execution cache when neither it nor the code it imports changed), a cell
# error fails the build (execute.raise_on_error), and so does any warning (-W). --all
# re-reads every page, so that warnings of pages read by an earlier `make book` are seen.
STRICT_FLAGS := -W -n --keep-going --all
STRICT := _build/.strict-passed
$(STRICT): $(STAMP) $(VENDOR) $(TINY_GPT) $(FINETUNE) $(TINY_LLAMA) $(BOOK_INPUTS)
	@rm -f $(BUILT)
	$(JB) $(STRICT_FLAGS)
	@touch $(BUILT) $@

strict-book: $(STRICT)

# The same notebooks under pytest --nbmake, one test per chapter (not part of `make test`,
# which executes them in the strict build).
notebooks: $(STAMP) $(TINY_GPT) $(FINETUNE) $(TINY_LLAMA)
	$(BIN)/python -m pytest --nbmake --nbmake-timeout=900 -n 2 chapters

# Every page of _build/html in headless Chromium (Debian's /usr/bin/chromium; skipped with a
# message when there is none). Screenshots go to _build/screenshots/.
browser: $(STAMP) $(STRICT)
	$(BIN)/python -m pytest tests/browser -n 2 --dist load

test: lint unit strict-book browser
	@echo "All tests passed."

# The README's picture: the browser suite's screenshot of chapter 15's attention explorer,
# reduced to a small palette PNG (run after `make test` or `make browser`, then commit).
README_SHOT := docs/chapter-15-attention.png
readme-screenshot: $(STAMP)
	@mkdir -p docs
	$(BIN)/python -c "from PIL import Image; im = Image.open('_build/screenshots/chapters__15_tiny_gpt__explorer.png').convert('RGB'); im.thumbnail((1000, 1000)); im.quantize(256, method=Image.Quantize.FASTOCTREE).save('$(README_SHOT)', optimize=True)"
	@ls -l $(README_SHOT)

clean:
	rm -rf _build
