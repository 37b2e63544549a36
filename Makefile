# cqlio — the commands people run. `make test` and `make demo` work on a fresh
# machine: they bootstrap Debian packages, fetch and start Cassandra, build.
# Every target below is also usable alone (docs/DEVELOPING.md).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 60
BUILD ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
DEMO_ROWS ?= 1000000
VENV ?= .venv
PEERS_VENV ?= .cache/bench-peers
CTEST := ctest --output-on-failure --no-tests=error
FUZZERS := $(basename $(notdir $(wildcard tests/fuzz/fuzz_*.c)))

.PHONY: pytest venv bench bench-py bench-c bench-proto bench-stream all build unit integration sanitize fuzz test test-cluster demo bootstrap \
        cassandra-up cassandra-down install clean

all: build

bootstrap:
	@scripts/bootstrap

build: bootstrap
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

unit: build
	@$(CTEST) --test-dir $(BUILD) -L unit

integration: build cassandra-up
	@$(CTEST) --test-dir $(BUILD) -L integration

# ASan + UBSan, LeakSanitizer on (the default with ASan on Linux); any report fails the test.
sanitize: bootstrap cassandra-up
	@cmake -S . -B $(BUILD_ASAN) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCQLIO_SANITIZE=ON >/dev/null
	@cmake --build $(BUILD_ASAN) -j $(JOBS)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(CTEST) --test-dir $(BUILD_ASAN) -L 'unit|integration'

# Each libFuzzer harness for FUZZ_SECONDS, starting from its checked-in corpus
# (new inputs go to a scratch folder so the checked-in corpus stays small).
fuzz: bootstrap
	@cmake -S . -B $(BUILD_FUZZ) -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
	  -DCQLIO_SANITIZE=ON -DCQLIO_FUZZ=ON -DCQLIO_BUILD_EXAMPLES=OFF >/dev/null
	@cmake --build $(BUILD_FUZZ) -j $(JOBS)
	@for f in $(FUZZERS); do \
	  mkdir -p $(BUILD_FUZZ)/corpus/$$f; \
	  $(BUILD_FUZZ)/tests/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    $(BUILD_FUZZ)/corpus/$$f tests/fuzz/corpus/$$f > $(BUILD_FUZZ)/$$f.log 2>&1 \
	    || { tail -n 40 $(BUILD_FUZZ)/$$f.log; echo "fuzz: $$f FAILED"; exit 1; }; \
	  echo "fuzz: $$f ok, $$(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' $(BUILD_FUZZ)/$$f.log | grep -o '[0-9]*$$') runs in $(FUZZ_SECONDS) s"; \
	done

# The cluster stage: it needs 127.0.0.1 too, so the single node stops first;
# scripts/cassandra's failure cases run while no node is up.
test-cluster: build
	@scripts/cassandra stop
	@$(CTEST) --test-dir $(BUILD) -L script
	@scripts/cassandra start --nodes 3
	@$(CTEST) --test-dir $(BUILD) -L cluster || { scripts/cassandra stop; exit 1; }
	@scripts/cassandra stop

# The Python package: built by pip into the project's own virtual environment
# (setuptools compiles the extension with libcqlio's sources), then its tests.
# The tests use an editable install (the extension lands beside the sources
# they import); pytest also checks that a plain `pip install ./python` into a
# fresh environment builds and imports.
venv: bootstrap
	@[ -x $(VENV)/bin/python ] || python3 -m venv $(VENV)
	@$(VENV)/bin/python -m pip install -q --upgrade pip >/dev/null
	@mkdir -p $(BUILD)
	@CQLIO_STRICT=1 $(VENV)/bin/python -m pip install -q -e './python[test]' > $(BUILD)/venv-pip.log 2>&1 \
	  || { cat $(BUILD)/venv-pip.log; echo "make venv: building cqlio for Python failed"; exit 1; }
	@$(VENV)/bin/python -c 'import cqlio._core'

pytest: venv cassandra-up
	@rm -rf $(BUILD)/pip-check && python3 -m venv $(BUILD)/pip-check
	@$(BUILD)/pip-check/bin/python -m pip install -q ./python 2>&1 | grep -v -i warning || true
	@cd / && $(abspath $(BUILD))/pip-check/bin/python -c 'import cqlio, cqlio._core; print("pip install ./python: cqlio", cqlio.__version__, "imports")'
	@cd python && CQLIO_REQUIRE_INTEGRATION=1 ../$(VENV)/bin/python -m pytest -q -p no:cacheprovider

test: bootstrap
	@$(MAKE) --no-print-directory unit integration sanitize fuzz pytest
	@$(MAKE) --no-print-directory test-cluster

# Benchmarks print one JSON object per figure; results are kept in bench/results/.
# They run the optimised build ($(BUILD) is RelWithDebInfo: -O2, no sanitizers).
bench: bench-proto bench-c bench-stream bench-py

bench-proto: build
	@mkdir -p bench/results
	@$(BUILD)/bench/bench_proto | tee bench/results/proto.json

bench-c: build cassandra-up
	@mkdir -p bench/results
	@$(BUILD)/bench/bench_c 127.0.0.1 | tee bench/results/c.json

# W3-W5: streams over 1,000,000 and 10,000,000 rows (loaded once: minutes the
# first time), and 10,000 abandoned streams. BENCH_STREAM_ROWS=200000 etc.
# scale it down (bench/bench_stream.c).
bench-stream: build cassandra-up
	@mkdir -p bench/results
	@$(BUILD)/bench/bench_stream 127.0.0.1 | tee bench/results/stream.json

# W1-W3 from Python: cqlio (.venv) against cassandra-driver, async-cassandra and
# acsylla from PyPI in an environment of their own. async-cassandra declares
# Python 3.12+: installed with --ignore-requires-python; cassandra-driver's
# newest Deprecated dependency uses 3.12 syntax, so 1.2.x is pinned there.
bench-py: venv build cassandra-up
	@mkdir -p bench/results
	@[ -x $(PEERS_VENV)/bin/python ] || python3 -m venv $(PEERS_VENV)
	@$(PEERS_VENV)/bin/python -m pip install -q cassandra-driver acsylla 2>&1 | grep -v -i warning || true
	@$(PEERS_VENV)/bin/python -m pip install -q --ignore-requires-python async-cassandra 2>&1 | grep -v -i warning || true
	@$(PEERS_VENV)/bin/python -m pip install -q 'Deprecated<1.3' matplotlib 2>&1 | grep -v -i -E 'warning|incompatible|dependency' || true
	@$(BUILD)/examples/c/cqlio-load-rows --keyspace cqlio_bench --table w --rows 100000
	@$(BUILD)/examples/c/cqlio-load-rows --keyspace cqlio_bench --table stream_1000000 --rows 1000000
	@$(VENV)/bin/python bench/bench_py.py --cqlio-python $(VENV)/bin/python \
	  --peers-python $(PEERS_VENV)/bin/python | tee bench/results/py.json
	@$(PEERS_VENV)/bin/python bench/render_py.py bench/results/py.json --markdown bench/results/py.md

demo: build venv cassandra-up
	@$(BUILD)/examples/c/cqlio-server-options 127.0.0.1 9042
	@$(BUILD)/examples/c/cqlio-basics 127.0.0.1
	@echo "--- $(DEMO_ROWS) rows into cqlio_demo.rows (loaded once; later demos find them)"
	@$(BUILD)/examples/c/cqlio-load-rows --keyspace cqlio_demo --table rows --rows $(DEMO_ROWS)
	@echo "--- streamed back as CSV to .cache/demo/rows.csv, in bounded memory:"
	@mkdir -p .cache/demo
	@$(BUILD)/examples/c/cqlio-stream-export --format csv \
	  "SELECT k, b, t, d, ts FROM cqlio_demo.rows" > .cache/demo/rows.csv
	@head -n 3 .cache/demo/rows.csv
	@echo "--- the same rows streamed from Python (cqlio on asyncio, a page at a time):"
	@$(VENV)/bin/python examples/python/stream_rows.py

cassandra-up: bootstrap
	@scripts/cassandra start

cassandra-down:
	@scripts/cassandra stop

install: build
	@cmake --install $(BUILD) $(if $(PREFIX),--prefix $(PREFIX))

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
