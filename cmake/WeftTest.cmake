# weft_add_test(name SOURCES... [TIMEOUT s]): one Catch2 executable whose every test case is
# registered with CTest once per backend, with a timeout of s seconds each (default 300). When
# WEFT_TESTS names other executables only, it is left out of `all` and not registered. The
# per-backend EXTRA_ARGS make the generated file names differ (catch_discover_tests hashes
# EXTRA_ARGS, not TEST_SUFFIX): without them one set silently overwrites the other.
# tests/check_backend_registration.cmake guards that.
include(Catch)

set(WEFT_TEST_BACKENDS "epoll;io_uring" CACHE STRING "Backends every test runs under")
# A subset of the test executables, by name (the ThreadSanitizer check builds and runs only
# the scheduler, channel and wake-up tests); empty means all of them.
set(WEFT_TESTS "" CACHE STRING "Test executables to build, e.g. test_channel;test_sync (empty: all)")

function(weft_add_test name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "TIMEOUT" "")
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 300)
  endif()
  # Left out: the target still exists (callers may add to it), but is neither built nor run.
  if(WEFT_TESTS AND NOT name IN_LIST WEFT_TESTS)
    set(excluded EXCLUDE_FROM_ALL)
  endif()
  add_executable(${name} ${excluded} ${arg_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE weft_test_support)
  weft_warnings(${name})
  if(excluded)
    return()
  endif()
  foreach(backend IN LISTS WEFT_TEST_BACKENDS)
    catch_discover_tests(${name}
      TEST_SUFFIX ".${backend}"
      EXTRA_ARGS --backend ${backend}
      PROPERTIES TIMEOUT ${arg_TIMEOUT} LABELS ${backend})
  endforeach()
endfunction()
