# Sampark developer commands. Everything runs from the repo-local venv (.venv), created and
# filled on first use by scripts/install-deps.sh (quick no-op when already done).
#
#   make demo    install runtime dependencies if missing, then start `sampark demo`
#   make test    install test dependencies if missing, then lint + typecheck + the test suite,
#                then the Windows stage (the real Sampark.exe and its MSI under Wine)
#   make bench   benchmarks against baresip (prints a table)

export VENV ?= .venv
ifeq ($(OS),Windows_NT)
PY      := $(VENV)/Scripts/python.exe
else
PY      := $(VENV)/bin/python
endif
PYTEST_ARGS ?=
# kamailio lives in /usr/sbin, which a non-root Debian user's PATH lacks.
ifneq ($(OS),Windows_NT)
export PATH := $(PATH):/usr/sbin:/sbin
endif

.PHONY: demo test deps deps-test lint format typecheck pytest bench bench-journal bench-sync \
	bench-server bench-monitor bench-all clean

# Without a display (ssh, CI) there is no window to show: run the same demo call headless and
# record what the caller hears, which proves SIP, RTP and the headset bridge end to end.
DEMO_RECORDING ?= $(or $(TMPDIR),/tmp)/sampark-demo-heard.wav
demo: deps
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] || [ -n "$$QT_QPA_PLATFORM" ]; then \
	  exec $(VENV)/bin/sampark demo $(DEMO_ARGS); fi; \
	echo "no display: running the caller workflow headless, recording the call to $(DEMO_RECORDING)"; \
	exec $(VENV)/bin/sampark demo --headless --record "$(DEMO_RECORDING)" $(DEMO_ARGS)

test: deps-test lint typecheck pytest test-windows
# The suite without the Windows stage (quicker; what most changes need while working).
test-core: deps-test lint typecheck pytest

deps:
	@scripts/install-deps.sh

deps-test:
	@scripts/install-deps.sh --test

lint:
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format:
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

typecheck:
	$(PY) -m mypy

# pytest exits 5 when it collected no test: that is a failure here, never a silent pass.
pytest:
	$(PY) -m pytest --ignore=tests/windows $(PYTEST_ARGS)

bench: deps-test
	$(PY) bench/bench_softphone.py $(BENCH_ARGS)

# One command per benchmark the issues name (each prints its numbers and the target).
bench-journal: deps-test
	$(PY) bench/bench_journal.py $(BENCH_ARGS)
bench-sync: deps-test
	$(PY) bench/bench_sync.py --pg $(BENCH_ARGS)
bench-server: deps-test
	$(PY) bench/bench_server.py $(BENCH_ARGS)
bench-monitor: deps-test
	$(PY) bench/bench_monitor.py $(BENCH_ARGS)
bench-all: bench bench-journal bench-sync bench-server bench-monitor

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

# -- IT deployment (issue 5; docs/deploying.md) ---------------------------------------------
# `make bundle`: the PyInstaller one-folder app for this OS in dist/Sampark/ (spec committed
# in installer/). `make bundle-windows` (Linux): the real Windows app in dist/windows/Sampark/,
# built under Wine (installer/windows/winebuild.py). `make msi`: dist/Sampark-<version>-x64.msi
# from the Windows bundle with wixl on Linux or WiX on Windows (installer/build_msi.py).
# `make test-windows`: that exe and MSI under Wine's msiexec (tests/windows), a CI stage.
.PHONY: bundle bundle-windows msi bench-bundle bench-bundle-windows deps-windows test-windows \
	test-core
# On Windows (.github/workflows/windows.yml) the venv is made by the workflow, not by apt.
ifeq ($(OS),Windows_NT)
MSI_BUNDLE ?= dist/Sampark
BUNDLE_DEPS :=
else
MSI_BUNDLE ?= dist/windows/Sampark
BUNDLE_DEPS := deps-test
endif
bundle: $(BUNDLE_DEPS)
	$(PY) installer/build_bundle.py --dist dist --work build/pyinstaller $(BUNDLE_ARGS)
	dist/Sampark/Sampark$(if $(filter Windows_NT,$(OS)),.exe,) --self-test --json > /dev/null \
	  || { echo "bundle self-test failed"; exit 1; }
deps-windows:
	@scripts/install-deps.sh --windows
bundle-windows: deps-windows
	$(PY) installer/windows/winebuild.py bundle $(BUNDLE_ARGS)
ifeq ($(OS),Windows_NT)
msi:
else
msi: bundle-windows
endif
	$(PY) installer/build_msi.py --bundle $(MSI_BUNDLE) --out dist
test-windows: deps-windows
	$(PY) -m pytest tests/windows $(PYTEST_ARGS)
bench-bundle: deps-test
	$(PY) bench/bench_bundle.py $(BENCH_ARGS)
bench-bundle-windows: deps-windows
	$(PY) bench/bench_bundle.py --windows $(BENCH_ARGS)
