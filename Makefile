# hubshare: `make help` lists the targets. Everything runs in a local virtual environment (.venv)
# created from pyproject.toml on first use, so a machine needs only Python 3.11+ and make.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
LOCK   := requirements.lock
export HF_HUB_DISABLE_TELEMETRY := 1

.DEFAULT_GOAL := help
.PHONY: help setup lint test report lab bench sample lock checksums regions golden clean

help:  ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "hubshare needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -c $(LOCK) -e '.[test]'
	$(PY) -m compileall -q lib/hubshare  # as a regular install does: no command compiles them at start
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name 'Python 3 (hubshare)' > /dev/null
	@touch $@

setup: $(STAMP)  ## create .venv and install hubshare with its test tools

lint: $(STAMP)  ## check lib/, tests/, benchmarks/ and the notebooks with ruff
	$(VENV)/bin/ruff check lib tests benchmarks notebooks

test: $(STAMP) lint  ## lint, then the whole test suite: doctests and notebooks included (nbval)
	env -u HUBSHARE_SNAPSHOT HF_HUB_OFFLINE=1 $(PY) -m pytest

report: $(STAMP)  ## execute every notebook on the shipped data; write figures/ and reports/
	HF_HUB_OFFLINE=1 $(PY) -m hubshare.report

checksums: $(STAMP)  ## rewrite the sha256 table of data/README.md for the data files shipped (after a deliberate change)
	$(PY) -m hubshare.datafiles

regions: $(STAMP)  ## rebuild data/reference/regions.csv from ATOM's region map and families.csv (then make checksums)
	$(PY) -m hubshare.regions

golden: $(STAMP)  ## rewrite tests/golden/classification.json after a deliberate change of families.csv or the generator
	$(PY) tests/goldens.py

lab: $(STAMP)  ## open the notebooks in JupyterLab
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test,lab]'
	$(VENV)/bin/jupyter lab notebooks/

bench: $(STAMP)  ## benchmarks against DuckDB on synthetic Hubs (see benchmarks/README.md)
	$(PY) -m compileall -q lib/hubshare  # the commands timed end to end start as an installed hubshare does
	$(PY) benchmarks/run.py

sample: $(STAMP)  ## rebuild the trending-sample snapshot from data/raw/
	$(PY) -c 'from hubshare.ingest import shipped; print(shipped.build_trending_sample())'

lock:  ## refresh requirements.lock from the newest releases pyproject.toml allows; then make clean test
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	{ sed -n '/^#/p' $(LOCK); .venv-lock/bin/python -m pip freeze --exclude-editable; } > $(LOCK).new
	mv $(LOCK).new $(LOCK)
	rm -rf .venv-lock

clean:  ## remove .venv, reports and caches (figures/ and data/ are kept)
	rm -rf $(VENV) reports .pytest_cache benchmarks/.cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
