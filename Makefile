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

.PHONY: help setup book test lint unit notebooks strict-book browser clean assets readme-screenshot tiny-gpt

help:
	@echo "make book   build the website into _build/html (creates .venv on first use)"
	@echo "make test   run every test: lint, unit tests, notebooks, strict book build, browser"
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

# The site's third-party JavaScript (require.js, the widget manager, Mermaid): `npm pack` of
# exact versions into _vendor/ (ignored by git); a no-op once fetched. Falls back to the CDN,
# saying so, when the npm registry cannot be reached.
assets:
	@.ci/vendor-assets.sh _vendor

# Chapter 15's model, trained alone before the notebooks run (two at a time in `make
# test`), so that its reported training time is the machine's, not shared with another
# notebook; a no-op once the weights are in _build/llmbook-cache.
tiny-gpt: $(STAMP)
	$(BIN)/python -m llmbook.tiny_gpt

# Never stale: Jupyter Book's cache re-executes a notebook when its cells change, and the
# book's extension (_ext/book_site.py) also when the llmbook modules it imports change.
book: $(STAMP) assets tiny-gpt
	$(BIN)/jupyter-book build . --path-output .
	@echo "The book is at file://$(CURDIR)/_build/html/index.html"

lint: $(STAMP)
	$(BIN)/ruff check src tests bench _ext
	$(BIN)/ruff format --check src tests bench _ext

unit: $(STAMP)
	$(BIN)/python -m pytest tests --ignore=tests/browser -n 2 --dist loadfile

notebooks: $(STAMP) tiny-gpt
	$(BIN)/python -m pytest --nbmake --nbmake-timeout=900 -n 2 chapters

strict-book: $(STAMP) assets tiny-gpt
	$(BIN)/jupyter-book build . --path-output . -W -n --keep-going

# Every page of _build/html in headless Chromium (Debian's /usr/bin/chromium; skipped with a
# message when there is none). Screenshots go to _build/screenshots/.
browser: $(STAMP)
	$(BIN)/python -m pytest tests/browser -n 2 --dist load

test: lint unit notebooks strict-book browser
	@echo "All tests passed."

# The README's picture: the browser suite's screenshot of chapter 4's first explorer,
# reduced to a small palette PNG (run after `make test` or `make browser`, then commit).
README_SHOT := docs/chapter-4-explorer.png
readme-screenshot: $(STAMP)
	@mkdir -p docs
	$(BIN)/python -c "from PIL import Image; im = Image.open('_build/screenshots/chapters__04_mathematics__explorer.png').convert('RGB'); im.thumbnail((1000, 1000)); im.quantize(256, method=Image.Quantize.FASTOCTREE).save('$(README_SHOT)', optimize=True)"
	@ls -l $(README_SHOT)

clean:
	rm -rf _build
