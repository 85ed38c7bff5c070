# tinyml: the one entry point for setting up, building, testing and running. See README.md.
# Every target that needs tools or Python packages depends on `setup`, so a fresh Debian machine
# needs nothing but `make run` or `make test`.

PYTHON := .venv/bin/python
MICROPYTHON := build/unix/micropython
MICROPYTHON_ASAN := build/unix-asan/micropython
DEMO_MODEL := ../shared/models/mlperf_tiny/kws_ref_model.tflite

# Host build of the engine for the C tests: strict C99 with sanitizers that stop at the first
# error. The -W flags after -Wextra are those the Unix port applies (with -Werror) to our files
# too, so a warning shows up here first.
HOST_CC ?= gcc
HOST_CFLAGS := -std=c99 -Wall -Wextra -Werror -Wpointer-arith -Wdouble-promotion -Wfloat-conversion \
    -O2 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HOST_INC := -Idevice/runtime -Idevice/kernels -Itests/c
LIB_SRC := $(wildcard device/runtime/*.c device/kernels/*.c device/ops/*.c)
LIB_OBJ := $(LIB_SRC:%.c=build/host/obj/%.o)
LIB := build/host/libtinyml.a
CTEST_BIN := $(patsubst tests/c/%.c,build/host/tests/%,$(wildcard tests/c/test_*.c))

.PHONY: help setup unix unix-asan ctest devtest hosttest test run bench clean distclean
.DEFAULT_GOAL := help

help:
	@echo "make run        build the Unix port and run the demo model in it"
	@echo "make test       all tests: ctest, devtest, hosttest"
	@echo "make setup      install system packages and .venv (done by the other targets)"
	@echo "make unix       build/unix/micropython with tinyml"
	@echo "make unix-asan  build/unix-asan/micropython with ASan+UBSan (for the fuzz tests)"
	@echo "make ctest      C unit tests of the engine, built for the host with sanitizers"
	@echo "make devtest    tests/device/*.py in the Unix port"
	@echo "make hosttest   pytest tests/host (bit-exactness vs TFLM, robustness)"
	@echo "make bench      instructions per inference and arena, tinyml vs TFLM"
	@echo "make clean      remove build outputs (keeps the fetched MicroPython source and .venv)"
	@echo "make distclean  remove build/ and .venv/"

setup:
	@scripts/bootstrap.sh

# Always handed to the port's own make, which rebuilds only what changed.
unix: setup
	@firmware/unix/build.sh

unix-asan: setup
	@SANITIZE=1 firmware/unix/build.sh

build/host/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "CC $<"
	@$(HOST_CC) $(HOST_CFLAGS) $(HOST_INC) -MMD -MP -c $< -o $@

# Rebuilt from scratch so objects of deleted sources do not linger in the archive.
$(LIB): $(LIB_OBJ)
	@rm -f $@
	@echo "AR $@"
	@ar rcs $@ $^

build/host/tests/%: tests/c/%.c $(LIB)
	@mkdir -p $(@D)
	@echo "LINK $@"
	@$(HOST_CC) $(HOST_CFLAGS) $(HOST_INC) -MMD -MP $< $(LIB) -lm -o $@

-include $(LIB_OBJ:.o=.d) $(CTEST_BIN:=.d)

ctest: setup $(CTEST_BIN)
	@tests/c/run.sh $(CTEST_BIN)

devtest: unix
	@$(PYTHON) tests/device/run.py --micropython $(MICROPYTHON)

# pytest exits 5 when it collects no test: not a failure while tests/host is still empty.
hosttest: unix unix-asan
	@if [ -d tests/host ]; then $(PYTHON) -m pytest -q tests/host || [ $$? -eq 5 ]; \
	else echo "hosttest: no tests/host yet"; fi

# Every suite runs even when an earlier one fails; the exit status says whether all passed.
test: setup
	@status=0; \
	$(MAKE) --no-print-directory ctest || status=1; \
	$(MAKE) --no-print-directory devtest || status=1; \
	$(MAKE) --no-print-directory hosttest || status=1; \
	exit $$status

run: unix
	$(MICROPYTHON) device/examples/demo.py $(DEMO_MODEL)

bench: unix
	$(PYTHON) bench/callgrind_bench.py

clean:
	rm -rf build/unix build/unix-obj build/unix-asan build/unix-asan-obj build/mpy-cross \
	    build/micropython-lib-empty build/host

distclean:
	rm -rf build .venv
