# tinyml as a MicroPython user C module, for the CMake-based ports (esp32, rp2).
# Build with USER_C_MODULES=<repository root>/device/micropython.cmake.
add_library(usermod_tinyml INTERFACE)

# The binding plus the plain-C99 engine; a glob, so a new kernel or op file needs no edit here
# (re-run CMake's configure step after adding one).
file(GLOB TINYML_ENGINE_SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/runtime/*.c
    ${CMAKE_CURRENT_LIST_DIR}/kernels/*.c
    ${CMAKE_CURRENT_LIST_DIR}/ops/*.c
)
target_sources(usermod_tinyml INTERFACE
    ${CMAKE_CURRENT_LIST_DIR}/modtinyml.c
    ${CMAKE_CURRENT_LIST_DIR}/modtinyml_arena.c
    ${CMAKE_CURRENT_LIST_DIR}/modtinyml_profile.c
    ${CMAKE_CURRENT_LIST_DIR}/tm_ticks.c
    ${TINYML_ENGINE_SOURCES}
)

# The kernels (the inner loops, where an inference spends its time) at -O2 rather than the ports'
# -Os (-O3 on some): options appended per file come after the target's, and the later one wins.
# This file is include()d into the port's own CMakeLists.txt, the directory whose targets compile
# these sources, so the source properties reach them.
file(GLOB TINYML_KERNEL_SOURCES ${CMAKE_CURRENT_LIST_DIR}/kernels/*.c)
# With GCC (every CMake port), also without its rewriting of fill and copy loops into
# memset/memcpy calls: see micropython.mk.
if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
    set_source_files_properties(${TINYML_KERNEL_SOURCES} PROPERTIES COMPILE_OPTIONS "-O2;-fno-tree-loop-distribute-patterns")
else()
    set_source_files_properties(${TINYML_KERNEL_SOURCES} PROPERTIES COMPILE_OPTIONS "-O2")
endif()

target_include_directories(usermod_tinyml INTERFACE
    ${CMAKE_CURRENT_LIST_DIR}
    ${CMAKE_CURRENT_LIST_DIR}/runtime
    ${CMAKE_CURRENT_LIST_DIR}/kernels
)

# Build-time op selection (see micropython.mk): TINYML_OPS as a CMake variable (-DTINYML_OPS=...)
# or an environment variable, op names and/or .tflite files. Read at configure time: configure
# again after changing it. TINYML_OPS_PYTHON: a Python with the `tflite` package, for model files.
if(NOT DEFINED TINYML_OPS AND DEFINED ENV{TINYML_OPS})
    set(TINYML_OPS "$ENV{TINYML_OPS}")
endif()
if(TINYML_OPS)
    if(NOT TINYML_OPS_PYTHON)
        set(TINYML_OPS_PYTHON "$ENV{TINYML_OPS_PYTHON}")
    endif()
    if(NOT TINYML_OPS_PYTHON)
        set(TINYML_OPS_PYTHON python3)
    endif()
    separate_arguments(TINYML_OPS_LIST UNIX_COMMAND "${TINYML_OPS}")
    set(TINYML_GEN_DIR ${CMAKE_BINARY_DIR}/tinyml-gen)
    execute_process(
        COMMAND ${TINYML_OPS_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/tools/select_ops.py
            --base $ENV{PWD} --out ${TINYML_GEN_DIR}/tm_ops_selected.h ${TINYML_OPS_LIST}
        RESULT_VARIABLE TINYML_OPS_RESULT
        ERROR_VARIABLE TINYML_OPS_MESSAGE
    )
    if(NOT TINYML_OPS_RESULT EQUAL 0)
        message(FATAL_ERROR "TINYML_OPS: ${TINYML_OPS_MESSAGE}")
    endif()
    message(STATUS "${TINYML_OPS_MESSAGE}")
    set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/runtime/tm_ops.c PROPERTIES
        COMPILE_DEFINITIONS TM_OPS_SELECTED INCLUDE_DIRECTORIES ${TINYML_GEN_DIR})
endif()

# The port links every user module through the INTERFACE library `usermod`.
target_link_libraries(usermod INTERFACE usermod_tinyml)
