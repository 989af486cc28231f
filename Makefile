# obs-codegen: `make generate` then `make test` on a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SPEC   ?= spec/observability.yaml
OUT    ?= out
# pytest-xdist workers (CI has 2 cores); `make test PYTEST_WORKERS=0` runs serially.
PYTEST_WORKERS ?= auto

.PHONY: generate check lint diff test golden e2e adversarial bench tools tools-prometheus clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Runtime install (what `make generate` needs).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

# Test extras (pytest, promql-parser, mypy, ruff, prometheus_client, ...).
$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Pinned Node tools (typescript, @grafana/schema, ajv) from package-lock.json.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# promtool and prometheus from Debian's `prometheus` package; amtool and the Alertmanager server
# from `prometheus-alertmanager` (the e2e alert path runs a real Alertmanager); mtail (the Convex
# log-to-metrics path) from `mtail`.
tools-prometheus:
	@if command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1 \
	    && command -v amtool >/dev/null 2>&1 && command -v mtail >/dev/null 2>&1 \
	    && { command -v prometheus-alertmanager >/dev/null 2>&1 || command -v alertmanager >/dev/null 2>&1; }; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Debian's prometheus, prometheus-alertmanager and mtail packages (promtool, prometheus, amtool, alertmanager, mtail)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus prometheus-alertmanager mtail) >/dev/null; \
	else \
	  echo "promtool/prometheus/amtool/alertmanager/mtail not found: install Debian's 'prometheus', 'prometheus-alertmanager' and 'mtail' packages (sudo apt-get install prometheus prometheus-alertmanager mtail)"; \
	  echo "or put promtool and prometheus (2.42+), amtool and alertmanager (0.25+), mtail (3.0.0-rc50+) on PATH, then re-run make test"; exit 2; \
	fi

tools: $(VENV)/.installed-test node_modules/.installed tools-prometheus

generate: $(VENV)/.installed
	$(BIN)/obs-codegen generate --spec $(SPEC) --out $(OUT)

check: $(VENV)/.installed
	$(BIN)/obs-codegen check --spec $(SPEC) --out $(OUT)

lint: $(VENV)/.installed
	$(BIN)/obs-codegen lint --spec $(SPEC)

# Breaking-change gate against a base: `make diff BASE=origin/main` (a git revision or a spec file).
BASE ?= origin/main
diff: $(VENV)/.installed
	$(BIN)/obs-codegen diff --spec $(SPEC) --against $(BASE)

test: tools
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile
	$(BIN)/obs-codegen check --spec $(SPEC) --out $(OUT)

# End-to-end: generated instrumentation -> real Prometheus -> generated rules and dashboard queries.
e2e: tools
	$(BIN)/python -m pytest -q tests/test_e2e.py tests/test_e2e_second_spec.py

# The adversarial suite at full size (thousands of hostile specs; tens of minutes on two cores).
# `make test` runs its default set (tests/test_hostile_specs.py). Writes a Markdown report of the failures.
ADVERSARIAL_REPORT ?= adversarial-report.md
adversarial: tools
	$(BIN)/python -m tests.adversarial --full --report $(ADVERSARIAL_REPORT)

# The benchmark (issue 17): ratios to the interpreter floor, Coach Up + synthetic specs, validate-logs vs ajv.
# `make bench BENCH_ARGS=--quick` for a short run. Prints Markdown; not part of `make test`.
BENCH_ARGS ?=
bench: $(VENV)/.installed node_modules/.installed
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

# Accept reviewed changes to the golden files in tests/cases/*/expected/.
golden: $(VENV)/.installed-test
	UPDATE_GOLDEN=1 $(BIN)/python -m pytest -q tests/test_golden.py

clean:
	rm -rf $(VENV) node_modules .cache .pytest_cache .mypy_cache .ruff_cache
