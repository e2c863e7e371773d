# Fails unless every backend has the same, non-zero number of registered test cases.
# Cases registered once on purpose because they touch no backend (tests/threads, the sans-I/O
# parser tests of tests/protocols) carry no backend suffix, so they are not counted here.
execute_process(COMMAND ${CTEST} -N WORKING_DIRECTORY ${BUILD_DIR}
  OUTPUT_VARIABLE listing RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ctest -N failed: ${rc}")
endif()
set(first_count "")
foreach(backend IN LISTS BACKENDS)
  string(REGEX MATCHALL "Test +#[0-9]+: [^\n]*\\.${backend}\n" hits "${listing}")
  list(LENGTH hits count)
  message(STATUS "${backend}: ${count} test cases")
  if(count EQUAL 0)
    message(FATAL_ERROR "no test case registered for backend ${backend}")
  endif()
  if(first_count STREQUAL "")
    set(first_count ${count})
  elseif(NOT count EQUAL first_count)
    message(FATAL_ERROR "backends differ: ${count} vs ${first_count} test cases")
  endif()
endforeach()
