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

# The port links every user module through the INTERFACE library `usermod`.
target_link_libraries(usermod INTERFACE usermod_tinyml)
