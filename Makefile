# lua-batteries: the two commands of the README.
#   make run    installs what is missing, builds, runs the example job
#   make test   installs what is missing, builds (plain and ASan+UBSan),
#               runs every test suite on both builds
#   make bench-preempt   overhead of preemption on a CPU-bound loop
JOBS ?= $(shell nproc)
BUILD_TYPE ?= RelWithDebInfo

.PHONY: all deps build build-asan run test test-plain test-asan test-valgrind bench-preempt clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	cmake -S . -B build -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null
	cmake --build build -j $(JOBS)

build-asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DLB_SANITIZE=ON >/dev/null
	cmake --build build-asan -j $(JOBS)

run: build
	build/lua-batteries examples/fanout_report.lua

test-plain: build
	scripts/test-all.sh build

# Sanitizer reports abort the process (-fno-sanitize-recover), so any
# report fails the suite that caused it.
test-asan: build-asan
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	LB_TEST_TIMEOUT=120 CONFORMANCE_TIMEOUT=60 scripts/test-all.sh build-asan

test: test-plain test-asan

# Cost of preemption on a CPU-bound Lua loop: on versus off (README "Preemption").
bench-preempt: build
	bench/preempt_overhead.sh build/lua-batteries

# Not part of `make test`: memcheck makes it take several minutes (README,
# "Reliability").
test-valgrind: build
	scripts/test-valgrind.sh build

clean:
	rm -rf build build-asan
