# posttrain-capstone: the two commands of the README, and a few helpers.
#   make example   render a recipe and run its pipeline on the tiny model (CPU, offline)
#   make test      every test, slow ones included (what .ci/run runs)
#   make lint      ruff: lint and format check (also run by .ci/run)
#   make help      every target, with its description (the default goal)
VENV    ?= .venv
PY      := $(VENV)/bin/python
RECIPE  ?= instruction-sft
EXAMPLE ?= build/example-$(RECIPE)

.DEFAULT_GOAL := help
.PHONY: help setup example test lint bench sync release

## list the targets (this text)
help:
	@awk '/^## / { doc = substr($$0, 4); next } /^[a-z][a-z-]*:/ && doc { sub(/:.*/, ""); printf "  make %-8s %s\n", $$0, doc } { doc = "" }' $(MAKEFILE_LIST)

# CPU PyTorch first and alone: an unpinned torch would pull a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[project,test]"
	touch $@

## create .venv with CPU PyTorch, this package and every tool the tests and lint use
setup: $(VENV)/.installed

## render a recipe (RECIPE=instruction-sft) into build/ and run its tiny pipeline (CPU, offline)
example: setup
	rm -rf $(EXAMPLE)
	$(VENV)/bin/capstone new $(RECIPE) $(EXAMPLE) --vcs-ref HEAD $(if $(filter custom,$(RECIPE)),--data 'stages=["sft"]')
	$(MAKE) -C $(EXAMPLE) smoke PYTHON=$(abspath $(PY))
	@echo "results: $(EXAMPLE)/outputs/tiny/results.json; slides: $(EXAMPLE)/slides/slides.pptx; report: $(EXAMPLE)/report/report.md"

## every test, slow ones included (what .ci/run runs after lint)
test: setup
	$(PY) -m pytest

## ruff: lint and check formatting (`ruff format` and `ruff check --fix` tidy what it reports)
lint: setup
	$(VENV)/bin/ruff check; status=$$?; $(VENV)/bin/ruff format --check || status=1; exit $$status

## render and tiny-pipeline timings, reward and sandbox throughput (not tests)
bench: setup
	$(PY) benchmarks/bench.py
	$(PY) benchmarks/rewards_bench.py

## rewrite copier.yml's recipe block, recipes/resolved/ and the template's changelog copy
sync: setup
	$(VENV)/bin/capstone sync

# Tags HEAD only, and only when it is the newest commit of a clean main whose CHANGELOG has
# the version's section; then push the tag (a local tag does not travel by itself).
## tag the newest commit of main as VERSION=vX.Y.Z (see CHANGELOG.md)
release: setup
	@test -n "$(VERSION)" || { echo "usage: make release VERSION=vX.Y.Z"; exit 2; }
	$(VENV)/bin/capstone sync --check
	$(PY) -m generator.release $(VERSION)
