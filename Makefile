# posttrain-capstone: the two commands of the README, and a few helpers.
#   make example   render a recipe and run its pipeline on the tiny model (CPU, offline)
#   make test      every test, slow ones included (what .ci/run runs)
#   make release VERSION=vX.Y.Z   tag the newest commit of main (see CHANGELOG.md)
VENV    ?= .venv
PY      := $(VENV)/bin/python
RECIPE  ?= instruction-sft
EXAMPLE ?= build/example-$(RECIPE)

.PHONY: setup example test bench sync release

# CPU PyTorch first and alone: an unpinned torch would pull a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[project,test]"
	touch $@

setup: $(VENV)/.installed

example: setup
	rm -rf $(EXAMPLE)
	$(VENV)/bin/capstone new $(RECIPE) $(EXAMPLE) --vcs-ref HEAD $(if $(filter custom,$(RECIPE)),--data 'stages=["sft"]')
	$(MAKE) -C $(EXAMPLE) smoke PYTHON=$(abspath $(PY))
	@echo "results: $(EXAMPLE)/outputs/tiny/results.json; slides: $(EXAMPLE)/slides/slides.pptx; report: $(EXAMPLE)/report/report.md"

test: setup
	$(PY) -m pytest

bench: setup
	$(PY) benchmarks/bench.py
	$(PY) benchmarks/rewards_bench.py

sync: setup
	$(VENV)/bin/capstone sync

# Tags HEAD only, and only when it is the newest commit of a clean main whose CHANGELOG has
# the version's section; then push the tag (a local tag does not travel by itself).
release: setup
	@test -n "$(VERSION)" || { echo "usage: make release VERSION=vX.Y.Z"; exit 2; }
	$(VENV)/bin/capstone sync --check
	$(PY) -m generator.release $(VERSION)
