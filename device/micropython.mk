# tinyml as a MicroPython user C module, for the make-based ports (unix, stm32, nrf, ...).
# Build with USER_C_MODULES=<repository root>: py/py.mk includes every */micropython.mk under it,
# with USERMOD_DIR set to the folder of the file (this one).
TINYML_DIR := $(USERMOD_DIR)

# The binding (the Model and Arena types): the only files with MicroPython headers and Python
# names, so the only ones the QSTR scanner has to read.
SRC_USERMOD_C += $(TINYML_DIR)/modtinyml.c $(TINYML_DIR)/modtinyml_arena.c $(TINYML_DIR)/modtinyml_profile.c
# The per-port clock that times inferences (MicroPython headers, but no Python names).
SRC_USERMOD_LIB_C += $(TINYML_DIR)/tm_ticks.c

# The engine, plain C99 with no MicroPython names: a library for the QSTR scanner to skip.
# Wildcards, so a new kernel or op file needs no edit here.
TINYML_LIB_C := $(wildcard $(TINYML_DIR)/runtime/*.c $(TINYML_DIR)/kernels/*.c $(TINYML_DIR)/ops/*.c)
SRC_USERMOD_LIB_C += $(TINYML_LIB_C)

# CFLAGS_USERMOD is added to every file of the port, so it carries only include paths.
CFLAGS_USERMOD += -I$(TINYML_DIR)/runtime -I$(TINYML_DIR)/kernels

# Compile the engine as strict C99 (it must also build on its own, for the host C tests), while
# MicroPython's files and modtinyml.c keep the port's -std=gnu99. A target-specific variable on
# exactly our objects, which py.mk places at $(BUILD)/<path under USER_C_MODULES>.o.
$(patsubst $(USER_C_MODULES)/%.c,$(BUILD)/%.o,$(TINYML_LIB_C)): CFLAGS += -std=c99

# The kernels (the inner loops, where an inference spends its time) at -O2 rather than the ports'
# -Os: later flags win, so this overrides the port's optimisation level for these files only.
TINYML_KERNEL_C := $(wildcard $(TINYML_DIR)/kernels/*.c)
TINYML_KERNEL_CFLAGS := -O2
# With GCC, also without its rewriting of fill and copy loops into memset/memcpy calls: the ports
# link MicroPython's byte-at-a-time libc, and a call per short run of a window (im2col) cost more
# than the copy (clang has no such flag, and the unix port may be built with it).
ifeq ($(findstring clang,$(shell $(CC) --version 2>/dev/null)),)
TINYML_KERNEL_CFLAGS += -fno-tree-loop-distribute-patterns
endif
$(patsubst $(USER_C_MODULES)/%.c,$(BUILD)/%.o,$(TINYML_KERNEL_C)): CFLAGS += $(TINYML_KERNEL_CFLAGS)

# Build-time op selection: TINYML_OPS="CONV_2D,SOFTMAX ..." or a .tflite file (or several) whose
# ops are taken (device/tools/select_ops.py; env or make variable). tm_ops.c then lists only those
# ops and the port's --gc-sections drops the rest. The generated header is rewritten only when the
# selection changes; the stamp records the selection (empty = every op) so that changing it, or
# unsetting it, recompiles tm_ops.c.
TINYML_GEN_DIR := $(BUILD)/tinyml-gen
TINYML_OPS_O := $(BUILD)/$(patsubst $(USER_C_MODULES)/%,%,$(TINYML_DIR))/runtime/tm_ops.o
TINYML_OPS_STAMP := $(TINYML_GEN_DIR)/tinyml_ops.stamp
TINYML_OPS_PYTHON ?= $(PYTHON)
$(shell mkdir -p $(TINYML_GEN_DIR); [ -f $(TINYML_OPS_STAMP) ] && [ "$$(cat $(TINYML_OPS_STAMP))" = "$(TINYML_OPS)" ] || printf '%s' "$(TINYML_OPS)" > $(TINYML_OPS_STAMP))
ifneq ($(strip $(TINYML_OPS)),)
TINYML_OPS_STATUS := $(shell $(TINYML_OPS_PYTHON) $(TINYML_DIR)/tools/select_ops.py --base $(PWD) --out $(TINYML_GEN_DIR)/tm_ops_selected.h $(TINYML_OPS) 2>&1 >/dev/null; echo " exit=$$?")
ifeq ($(filter exit=0,$(TINYML_OPS_STATUS)),)
$(error TINYML_OPS: $(TINYML_OPS_STATUS))
endif
$(TINYML_OPS_O): CFLAGS += -DTM_OPS_SELECTED -I$(TINYML_GEN_DIR)
$(TINYML_OPS_O): $(TINYML_GEN_DIR)/tm_ops_selected.h
endif
$(TINYML_OPS_O): $(TINYML_OPS_STAMP)
