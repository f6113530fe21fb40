# pgotel: `make demo` runs the main job, `make test` every check.
# Needs python3 >= 3.10 and cargo; everything else is installed into .venv/.

PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
PY := $(BIN)/python
# clippy on the pyo3 glue needs to know which interpreter it targets.
export PYO3_PYTHON := $(PY)

PY_SOURCES := python tests examples benches

.PHONY: all build test lint rust-test pytest demo bench fuzz soak clean

all: test

# The venv and the build tool; remade only when the venv is missing.
$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "pgotel needs python3 >= 3.10, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip 'maturin>=1.8,<2'

# Build the native engine (release, incremental in target/) into python/pgotel/
# and install the package in editable mode with its test extras. The old
# extension is removed first so a failed build never leaves a stale one behind.
build: $(PY)
	rm -f python/pgotel/_native*.so
	PIP_QUIET=1 VIRTUAL_ENV=$(abspath $(VENV)) $(BIN)/maturin develop --release --extras test,bench --quiet

rust-test:
	cargo test --workspace --quiet

lint: build
	cargo clippy --workspace --all-targets --quiet -- -D warnings
	cargo clippy --workspace --all-targets --features python --quiet -- -D warnings
	cargo fmt --all --check
	$(BIN)/ruff check $(PY_SOURCES)
	$(BIN)/ruff format --check $(PY_SOURCES)
	$(BIN)/mypy
	$(BIN)/python -m mypy.stubtest pgotel._native

pytest: build
	$(BIN)/pytest

test: build rust-test lint pytest

# OTLP=http://host:4317 also sends the traces and metrics to that collector.
demo: build
	OTLP=$(OTLP) $(PY) -m examples.demo

bench: build
	$(PY) -m benches

# Outside CI: a million cases of each fuzz property (CI runs the default 256).
fuzz:
	PROPTEST_CASES=1000000 cargo test --release --test fuzz -- --nocapture

# Outside CI: the long versions of the crash, load, churn and restart tests, and 30 s per
# phase of a collector outage (docs/reliability.md).
soak: build
	PGOTEL_SOAK_KILLS=200 $(BIN)/pytest tests/test_local_exporter.py -k sigkill
	PGOTEL_SOAK_EXITS=100 $(BIN)/pytest -rP tests/test_export_health.py -k exit
	PGOTEL_SOAK_LOAD=1 PGOTEL_SOAK_REQUESTS=10000 PGOTEL_SOAK_RESTARTS=20 \
		$(BIN)/pytest -rP tests/test_load.py tests/test_churn.py tests/test_db_faults.py
	$(PY) -m benches.bench_outage 60
	$(PY) -m benches.bench_soak 10

clean:
	rm -rf $(VENV) target python/pgotel/_native*.so .mypy_cache .ruff_cache .pytest_cache
