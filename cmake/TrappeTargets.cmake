# Helpers that give every Trappe target the same compiler settings.
#
#   trappe_library(<name> SOURCES ... [DEPS ...] [PRIVATE_DEPS ...])
#       declares trappe_<name> with the alias trappe::<name>; headers under include/.
#   trappe_executable(<name> SOURCES ... [DEPS ...])
#   trappe_test(<name> SOURCES ... [DEPS ...] [LABELS ...])
#       a GoogleTest binary whose tests ctest discovers one by one.
#   trappe_benchmark(<name> SOURCES ... [DEPS ...])
#   trappe_server_allocator(<target>)
#       links a program with the allocator the servers ship with (tcmalloc, see
#       TRAPPE_TCMALLOC); benchmarks have it too, so they measure what runs.

function(trappe_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
    -Wcast-align -Wimplicit-fallthrough
    # Designated initializers that leave members at their defaults are intended.
    -Wno-missing-field-initializers)
  if(TRAPPE_SANITIZE)
    # g++ 12's flow analysis reports false "maybe uninitialized" in instrumented standard
    # library code (std::regex, std::function); the ci preset keeps the warning.
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
  endif()
  if(TRAPPE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

function(trappe_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(trappe_${name} ${ARG_SOURCES})
  add_library(trappe::${name} ALIAS trappe_${name})
  if(EXISTS "${CMAKE_CURRENT_SOURCE_DIR}/include")
    target_include_directories(trappe_${name} PUBLIC "${CMAKE_CURRENT_SOURCE_DIR}/include")
  endif()
  target_link_libraries(trappe_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  trappe_warnings(trappe_${name})
endfunction()

function(trappe_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  trappe_warnings(${name})
endfunction()

function(trappe_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  # Every test is labelled with its area (libs, protos, services, integration, cli), the
  # first folder under tests/, so a configuration can run a subset: ctest -L libs.
  file(RELATIVE_PATH area "${PROJECT_SOURCE_DIR}/tests" "${CMAKE_CURRENT_SOURCE_DIR}")
  string(REGEX REPLACE "/.*" "" area "${area}")
  list(APPEND ARG_LABELS ${area})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} trappe::testing GTest::gmock GTest::gtest_main)
  trappe_warnings(${name})
  gtest_discover_tests(${name}
    DISCOVERY_MODE PRE_TEST
    DISCOVERY_TIMEOUT 60
    PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS "${ARG_LABELS}")
endfunction()

function(trappe_benchmark name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} benchmark::benchmark trappe_bench_context)
  trappe_warnings(${name})
  trappe_server_allocator(${name})
endfunction()

function(trappe_server_allocator target)
  if(TARGET PkgConfig::TCMALLOC)
    # Nothing calls tcmalloc by name, so a linker that drops unused libraries would drop it.
    # Debian's does not; tests/deploy checks that the server programs still load it.
    target_link_libraries(${target} PRIVATE PkgConfig::TCMALLOC)
  endif()
endfunction()
