# weft_add_test(name SOURCES... [TIMEOUT s]): one Catch2 executable whose every test case is
# registered with CTest once per backend, with a timeout of s seconds each (default 300). The per-backend EXTRA_ARGS make the generated file names
# differ (catch_discover_tests hashes EXTRA_ARGS, not TEST_SUFFIX): without them one set
# silently overwrites the other. tests/check_backend_registration.cmake guards that.
include(Catch)

set(WEFT_TEST_BACKENDS "epoll;io_uring" CACHE STRING "Backends every test runs under")

function(weft_add_test name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "TIMEOUT" "")
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 300)
  endif()
  add_executable(${name} ${arg_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE weft_test_support)
  weft_warnings(${name})
  foreach(backend IN LISTS WEFT_TEST_BACKENDS)
    catch_discover_tests(${name}
      TEST_SUFFIX ".${backend}"
      EXTRA_ARGS --backend ${backend}
      PROPERTIES TIMEOUT ${arg_TIMEOUT} LABELS ${backend})
  endforeach()
endfunction()
