# tinyml: the one entry point for setting up, building, testing and running. See README.md.
# Every target that needs tools or Python packages depends on `setup`, so a fresh Debian machine
# needs nothing but `make run` or `make test`.

PYTHON := .venv/bin/python
MICROPYTHON := build/unix/micropython
MICROPYTHON_ASAN := build/unix-asan/micropython
# The main job's model: our own (models/gesture), with its 100 labelled test windows; needs only
# this repository (../shared holds the reference models of the tests and benchmarks).
DEMO_MODEL := models/gesture/gesture.tflite
DEMO_WINDOWS := models/gesture/test_x.npy
DEMO_LABELS := models/gesture/test_y.npy
DEMO_CLASSES := models/gesture/labels.txt

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

.PHONY: help setup unix unix-asan ctest devtest hosttest test run bench clean distclean qemu devtest-qemu demo bench-link bench-plan bench-patches
.DEFAULT_GOAL := help

help:
	@echo "make run        build the emulated board, boot it, validate our gesture model on it against TFLM (PORT=dev: a real board)"
	@echo "make demo       build the Unix port and run the demo model in it"
	@echo "make test       all tests: lint, ctest, devtest, devtest-qemu, devtest-pico, hosttest, 60 s fuzz + 30 s fuzz-agent runs"
	@echo "make lint       ruff (ruff.toml) on every Python file, clang-format --dry-run (.clang-format) on every C file"
	@echo "make format     clang-format -i on every C file (what make lint checks)"
	@echo "make setup      install system packages and .venv (done by the other targets)"
	@echo "make unix       build/unix/micropython with tinyml"
	@echo "make unix-asan  build/unix-asan/micropython with ASan+UBSan (for the fuzz tests)"
	@echo "make ctest      C unit tests of the engine, built for the host with sanitizers"
	@echo "make devtest    tests/device/*.py in the Unix port"
	@echo "make qemu       build/qemu/firmware.elf: the emulated board (QEMU_HEAP=bytes, default: firmware/qemu/build.sh)"
	@echo "make devtest-qemu  tests/device/*.py on the emulated board, over its serial pty"
	@echo "make devtest-pico  tests/device/*.py on the emulated Raspberry Pi Pico (RP2040 firmware in rp2040js)"
	@echo "make rp2        build/rp2/firmware.uf2: MicroPython + tinyml for the Raspberry Pi Pico (RP2040)"
	@echo "make rp2-size   build the RP2040 firmware with and without tinyml and print what tinyml adds"
	@echo "make esp32 BOARD=ESP32_GENERIC  build/esp32/BOARD/firmware.bin with ESP-IDF (also _S2, _S3, _C3)"
	@echo "make xtensa-check  compile the engine for Xtensa, freestanding (portability check)"
	@echo "make hosttest   pytest tests/host (bit-exactness vs TFLM, robustness)"
	@echo "make fuzz       libFuzzer (clang, ASan+UBSan) on load/prepare/invoke for FUZZ_SECONDS (default 60)"
	@echo "make fuzz-agent mutation fuzzer on the serial agent in the Unix port for FUZZ_SECONDS"
	@echo "make bench      issue-6 table: x86 instr, M0+/M3/M4 cycles/MAC, RAM, flash vs TFLM; M0+ in rp2040js"
	@echo "make bench-link serial link: windows/s and bytes/s, tinyml link vs one mpremote exec per window"
	@echo "make bench-plan load time of models up to 32,000 tensors (the planner's worst case)"
	@echo "make bench-patches arena with and without patch-based inference (VWW, person_detect)"
	@echo "make wheel      build/wheel/tinyml_host-*.whl: the host SDK with the emulated board and device sources inside (pip install it anywhere)"
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
	@$(PYTHON) tests/c/gen_vectors.py --check
	@tests/c/run.sh $(CTEST_BIN)

devtest: unix
	@$(PYTHON) tests/device/run.py --micropython $(MICROPYTHON)

# The emulated board (MicroPython's qemu port, MPS2-AN385 Cortex-M3) with tinyml and device/python
# frozen in. The heap is compiled in: `make qemu QEMU_HEAP=300000` rebuilds with another (the
# default is firmware/qemu/build.sh's; the host reads the heap from the firmware's ELF).
qemu: setup
	@QEMU_HEAP=$(QEMU_HEAP) firmware/qemu/build.sh

devtest-qemu: qemu
	@$(PYTHON) tests/device/run.py --board qemu

# The same tests on the emulated Raspberry Pi Pico: the RP2040 firmware (make rp2) in rp2040js.
.PHONY: devtest-pico
devtest-pico: rp2
	@$(PYTHON) tests/device/run.py --board pico

# Real boards (issue 5): firmware builds. rp2 fetches the Pico SDK, TinyUSB and mbedtls from Debian
# (firmware/fetch_port_deps.sh) and builds in a copy of the MicroPython tree (firmware/port_tree.sh).
# esp32 needs ESP-IDF (IDF_PATH); xtensa-check compiles the engine with Debian's gcc-xtensa-lx106.
.PHONY: rp2 rp2-size esp32 xtensa-check
RP2_BOARD ?= RPI_PICO
ESP32_BOARD = $(or $(BOARD),ESP32_GENERIC)
rp2: setup
	@BOARD=$(RP2_BOARD) firmware/rp2/build.sh

rp2-size: setup
	@BOARD=$(RP2_BOARD) firmware/rp2/size.sh

esp32: setup
	@BOARD=$(ESP32_BOARD) firmware/esp32/build.sh

xtensa-check: setup
	@firmware/xtensa/check.sh

# The C tests compiled for Cortex-M0+, Cortex-M3 and Cortex-M4 and run in unicorn: the only tests that reach
# the ARMv7E-M DSP (SMLAD) fast paths, which the host build never compiles.
.PHONY: ctest-cortexm
ctest-cortexm: setup
	@$(PYTHON) bench/cortexm_ctest.py

# The flash tests check the RP2040 firmware CI builds and boot the emulated board.
hosttest: rp2 qemu

# pytest exits 5 when it collects no test: not a failure while tests/host is still empty.
hosttest: unix unix-asan
	@if [ -d tests/host ]; then $(PYTHON) -m pytest -q --durations=15 tests/host || [ $$? -eq 5 ]; \
	else echo "hosttest: no tests/host yet"; fi

# The host SDK as a wheel that works outside a checkout: the emulated board's firmware and the
# device C sources the host library compiles go into its tinyml_host/_bundled/ (host/setup.py;
# `pip install ./host` does the same). tests/host/test_install.py installs both into fresh venvs.
.PHONY: wheel
wheel: qemu
	@scripts/build_wheel.sh

# Coverage-guided fuzzing of the plain C engine (fuzz/run.sh): builds build/fuzz/fuzz_model with
# clang's libFuzzer, ASan and UBSan, seeds it, fuzzes for FUZZ_SECONDS and keeps build/fuzz/corpus.
.PHONY: fuzz fuzz-agent
FUZZ_SECONDS ?= 60
fuzz: setup
	@FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run.sh

# The serial agent's frame parser and handlers in the Unix port, under a mutation fuzzer
# (fuzz/fuzz_agent.py, every mode: wild load addresses and over-long lines too; reproducers in
# build/fuzz/agent/). `make test` runs it for 30 s and fails on any finding.
fuzz-agent: unix
	@$(PYTHON) fuzz/fuzz_agent.py --seconds $(FUZZ_SECONDS) --wild-addresses --long-lines

# Every suite runs even when an earlier one fails; the exit status says whether all passed.
test: setup
	@status=0; \
	$(MAKE) --no-print-directory lint || status=1; \
	$(MAKE) --no-print-directory ctest || status=1; \
	$(MAKE) --no-print-directory devtest || status=1; \
	$(MAKE) --no-print-directory devtest-qemu || status=1; \
	$(MAKE) --no-print-directory devtest-pico || status=1; \
	$(MAKE) --no-print-directory xtensa-check || status=1; \
	$(MAKE) --no-print-directory ctest-cortexm || status=1; \
	$(MAKE) --no-print-directory hosttest || status=1; \
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=60 || status=1; \
	$(MAKE) --no-print-directory fuzz-agent FUZZ_SECONDS=30 || status=1; \
	exit $$status

# Static checks: ruff (ruff.toml) on every Python file of the repository.
.PHONY: lint format
lint: setup
	@.venv/bin/ruff check --quiet . && echo "lint: ruff: no findings"
	@clang-format --dry-run -Werror $(C_SOURCES) && echo "lint: clang-format: $(words $(C_SOURCES)) C files formatted"

# Every C file we write, in the style of .clang-format (clang-format 14, which scripts/bootstrap.sh
# installs); tests/c/vectors/ is generated data, left as its generator writes it. Tables laid out
# by hand and hand-scheduled assembly sit between `// clang-format off` and `// clang-format on`.
C_SOURCES = $(shell git ls-files '*.c' '*.h' ':!:tests/c/vectors/*' 2>/dev/null)

# Rewrites the C sources in place the way `make lint` wants them.
format:
	clang-format -i $(C_SOURCES)

# The main job: boot the emulated board, stream the gesture model to it over the serial link, run
# its 100 labelled test windows on it and in TFLM, print the report (bit-exactness, accuracy,
# latency; build/run/: report.json, PNG plots). PORT=/dev/ttyACM0 runs it on a real board instead.
PORT ?=
run: qemu
	@mkdir -p build/run
	.venv/bin/tinyml-host validate $(DEMO_MODEL) --data $(DEMO_WINDOWS) --labels $(DEMO_LABELS) --class-names $(DEMO_CLASSES) \
	    $(if $(PORT),--port $(PORT)) --json build/run/report.json --report build/run

# What `make run` did before the emulated board: the demo model in the Unix port.
demo: unix
	$(MICROPYTHON) device/examples/demo.py $(DEMO_MODEL)

bench-link: qemu
	$(PYTHON) bench/link_bench.py --repeat 3

# rp2: the M0+ rows measured on the RP2040 firmware in the emulated Pico (bench/pico_bench.py).
bench: unix rp2
	$(PYTHON) bench/bench.py
	$(PYTHON) bench/patch_bench.py

bench-plan: unix
	$(PYTHON) bench/plan_bench.py

bench-patches:
	$(PYTHON) bench/patch_bench.py

clean:
	rm -rf build/unix build/unix-obj build/unix-asan build/unix-asan-obj build/mpy-cross \
	    build/qemu build/qemu-obj build/qemu-heap-* \
	    build/rp2 build/rp2-obj build/rp2-obj.*.log build/rp2-base build/rp2-base-obj build/rp2-base-obj.*.log build/xtensa \
	    build/esp32 build/esp32-obj build/esp32-base build/esp32-base-obj build/rp2-board build/esp32-board \
	    build/micropython-lib-empty build/host build/wheel

distclean:
	rm -rf build .venv
