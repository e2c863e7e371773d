# A Catch test case whose name holds ';' or '[' cannot be registered: catch_discover_tests
# splits the name at ';' (a CMake list separator) into entries that match no test case, and
# CTest then "passes" them without running anything. Fail on such names.
file(GLOB_RECURSE sources "${DIR}/*.cpp")
set(bad "")
foreach(source IN LISTS sources)
  file(READ "${source}" text)
  string(REGEX MATCHALL "TEST_CASE\\(\"[^\"]*[;[][^\"]*\"" hits "${text}")
  if(hits)
    string(REPLACE ";" "<semicolon>" hits "${hits}")
    string(APPEND bad "\n  ${source}: ${hits}")
  endif()
endforeach()
if(bad)
  message(FATAL_ERROR "test case names with ';' or '[' (not registrable with CTest):${bad}")
endif()
message(STATUS "all test case names are registrable")
