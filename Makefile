# Two commands do all the set-up on a fresh machine with Python 3.11 and make:
#   make demo   a real staged load test against the embedded sandbox, summary + reports
#   make test   the test suite (unit + integration on loopback)
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test test-slow lint bench clean install

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=python3 ...'"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/locust -f locustfiles/demo.py --headless --load-profile demo \
		--summary-export results/demo/summary.json --html-report results/demo/report.html \
		--slo-report results/demo/slo.json
	@echo "reports written to results/demo/"

test: $(STAMP)
	$(VENV)/bin/ruff check loadlib tests locustfiles bench
	$(PY) tests/run_shards.py

test-slow: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider -m slow tests

lint: $(STAMP)
	$(VENV)/bin/ruff check loadlib tests locustfiles bench
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) results .pytest_cache
