# lua-batteries: the two commands of the README.
#   make run    installs what is missing, builds, runs the example job
#   make test   installs what is missing, builds (plain and ASan+UBSan),
#               runs every test suite on both builds (the plain one also
#               runs bench-smoke), then a short fuzz run (clang,
#               build-fuzz/) and a short soak
#   make bench  the benchmarks side by side with the floor and the peers;
#               writes bench/results/latest.md (not part of make test)
#   make fuzz   fuzzes for FUZZ_SECONDS (default 600)
#   make soak   soaks for SOAK_SECONDS (default 600)
#   make install  installs the Release build into PREFIX (default /usr/local):
#               docs/packaging.md
JOBS ?= $(shell nproc)
# build/ is the Release build that make run, make test and make bench share.
BUILD_TYPE ?= Release
# The benchmark harness and the asyncio peer use Debian's python3.
PYTHON ?= /usr/bin/python3
FUZZ_SECONDS ?= 600
SOAK_SECONDS ?= 600
PREFIX ?= /usr/local

.PHONY: all install deps deps-bench build build-asan build-fuzz run test test-plain test-asan test-valgrind bench bench-smoke fuzz fuzz-short soak soak-short clean

all: build

deps:
	@scripts/install-deps.sh

deps-bench:
	@scripts/install-deps.sh --bench

build: deps
	cmake -S . -B build -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null
	cmake --build build -j $(JOBS)

build-asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DLB_SANITIZE=ON -DLB_BENCH=OFF >/dev/null
	cmake --build build-asan -j $(JOBS)

# The libFuzzer harness needs clang; its own build directory keeps the gcc
# builds untouched.
build-fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLB_FUZZ=ON -DLB_TESTS=OFF -DLB_BENCH=OFF >/dev/null
	cmake --build build-fuzz -j $(JOBS) --target task_fuzzer

install: build
	cmake --install build --prefix $(PREFIX)

run: build
	build/lua-batteries examples/fanout_report.lua

# The plain build's suites include bench-smoke, hence the peers.
test-plain: build deps-bench
	scripts/test-all.sh build

# Sanitizer reports abort the process (-fno-sanitize-recover), so any
# report fails the suite that caused it.
test-asan: build-asan
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	LB_TEST_TIMEOUT=120 CONFORMANCE_TIMEOUT=60 scripts/test-all.sh build-asan

fuzz-short: build-fuzz
	scripts/fuzz.sh 60

fuzz: build-fuzz
	scripts/fuzz.sh $(FUZZ_SECONDS)

soak-short: build
	scripts/soak.sh build 15

soak: build
	scripts/soak.sh build $(SOAK_SECONDS)

test: test-plain test-asan fuzz-short soak-short

# Every workload on lua-batteries and the peers, 3 interleaved repetitions,
# the 1M-sleeper scale run and the microbenchmarks (a few minutes).
bench: build deps-bench
	$(PYTHON) bench/run.py --build build --out bench/results/latest.md

# Tiny sizes, one repetition, a few seconds: keeps the scripts working.
bench-smoke: build deps-bench
	$(PYTHON) bench/run.py --build build --smoke

# Not part of `make test`: memcheck makes it take several minutes (README,
# "Reliability").
test-valgrind: build
	scripts/test-valgrind.sh build

clean:
	rm -rf build build-asan build-fuzz
