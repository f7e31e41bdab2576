# lua-batteries: the two commands of the README.
#   make run    installs what is missing, builds, runs the example job
#   make test   installs what is missing, then for each build - release
#               (build/, with the benchmark programs), ASan+UBSan
#               (build-asan/), libFuzzer (build-fuzz/, clang) - configures
#               it from its preset (CMakePresets.json), builds it and runs
#               its tests with ctest: every suite on the first two (soak and
#               bench-smoke on the release build only), the fuzz corpus and
#               a minute of fuzzing on the third
# Others:
#   make build  builds build/ (installs nothing)
#   make bench  the benchmarks side by side with the floor and the peers;
#               writes bench/results/latest.md (not part of make test)
#   make fuzz   fuzzes for FUZZ_SECONDS (default 600)
#   make soak   soaks for SOAK_SECONDS (default 600)
#   make test-valgrind   the lua and conformance tests under memcheck
# One suite, one test or one build: ctest, e.g.
#   ctest --preset release -L lua -j2      ctest --test-dir build -R sleepers
# CTEST_ARGS reach every ctest call of make test (e.g. CTEST_ARGS='-L lua').
#   make install  installs the Release build into PREFIX (default /usr/local):
#               docs/packaging.md
JOBS ?= $(shell nproc)
# The benchmark harness and the asyncio peer use Debian's python3.
PYTHON ?= /usr/bin/python3
FUZZ_SECONDS ?= 600
SOAK_SECONDS ?= 600
CTEST_ARGS ?=

PREFIX ?= /usr/local

.PHONY: all install deps deps-bench build build-bench build-asan build-fuzz run test test-plain test-asan \
	test-valgrind bench bench-smoke fuzz fuzz-short soak soak-short clean

all: build

# Only the targets that run something install what is missing.
deps:
	@scripts/install-deps.sh

deps-bench:
	@scripts/install-deps.sh --bench

build:
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

# The release build with the benchmark programs (needs Google Benchmark).
build-bench:
	cmake --preset bench >/dev/null
	cmake --build --preset bench -j $(JOBS)

build-asan:
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)

build-fuzz:
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS)

install: build
	cmake --install build --prefix $(PREFIX)

run: deps build
	build/lua-batteries examples/fanout_report.lua

test: test-plain test-asan fuzz-short

# The release build's tests include the soak and bench-smoke, hence the peers.
test-plain: deps-bench build-bench
	ctest --preset release -j $(JOBS) $(CTEST_ARGS)

# Sanitizer reports abort the process (-fno-sanitize-recover), so any
# report fails the test that caused it.
test-asan: deps build-asan
	ctest --preset asan -j $(JOBS) $(CTEST_ARGS)

fuzz-short: deps build-fuzz
	ctest --preset fuzz $(CTEST_ARGS)

fuzz: deps build-fuzz
	scripts/fuzz.sh $(FUZZ_SECONDS)

soak-short: deps build
	ctest --preset release -L soak -j $(JOBS)

soak: deps build
	scripts/soak.sh build/lua-batteries $(SOAK_SECONDS)

# Every workload on lua-batteries and the peers, 3 interleaved repetitions,
# the 1M-sleeper scale run and the microbenchmarks (a few minutes).
bench: deps-bench build-bench
	$(PYTHON) bench/run.py --build build --out bench/results/latest.md

# Tiny sizes, one repetition, a few seconds: keeps the scripts working.
bench-smoke: deps-bench build-bench
	ctest --preset release -L bench-smoke

# Not part of `make test`: memcheck makes it take several minutes.
test-valgrind: deps
	scripts/test-valgrind.sh

clean:
	rm -rf build build-asan build-fuzz build-valgrind
