# The whole set-up is one of these: each creates .venv and installs the project on first use.
#   make demo   grade the demo class        make test   the project's checks, as CI runs them
#   make fast   the fast lane (no end-to-end tests, under a minute)
VENV ?= .venv
PYTHON := $(VENV)/bin/python

.PHONY: demo test fast lint
demo: $(VENV)/.installed
	$(VENV)/bin/grader demo

test: $(VENV)/.installed lint
	$(VENV)/bin/grader stubs --check
	$(PYTHON) -m pytest

fast: $(VENV)/.installed
	$(PYTHON) -m pytest -m "not slow"

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check grader tests benchmarks solutions

$(VENV)/.installed: pyproject.toml
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[dask,test]'
	touch $@
