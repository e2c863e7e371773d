# Boost.Context and Boost.Fiber for sanitizer builds: -DWEFT_SANITIZER_BOOST=<prefix>, where
# <prefix> is what scripts/build-sanitizer-boost.sh asan|tsan printed. Defines the targets
# Boost::context and Boost::fiber (in place of the system ones) over its static libraries.
#
# Those libraries switch stacks with ucontext and annotate each switch for the sanitizer. The
# Boost.Context headers change with the same macros (the activation record gains the
# sanitizer's fiber handles), so every user of them -- weft, its tests, its examples -- must
# be compiled with exactly the macros the libraries were: they travel as
# INTERFACE_COMPILE_DEFINITIONS of Boost::context.
if(NOT WEFT_SANITIZE)
  message(FATAL_ERROR "WEFT_SANITIZER_BOOST is only for sanitizer builds: set WEFT_SANITIZE too")
endif()

if(WEFT_SANITIZE MATCHES "thread")
  set(_weft_boost_defines BOOST_USE_UCONTEXT BOOST_USE_TSAN)
elseif(WEFT_SANITIZE MATCHES "address")
  set(_weft_boost_defines BOOST_USE_UCONTEXT BOOST_USE_ASAN)
else()
  message(FATAL_ERROR "WEFT_SANITIZER_BOOST: no annotated Boost for WEFT_SANITIZE=${WEFT_SANITIZE}")
endif()

# The stamp records the flags the libraries were built with: refuse a prefix built for
# another sanitizer, whose headers would disagree with ours about the activation record.
set(_weft_boost_stamp "${WEFT_SANITIZER_BOOST}/stamp")
if(NOT EXISTS "${_weft_boost_stamp}")
  message(FATAL_ERROR "WEFT_SANITIZER_BOOST=${WEFT_SANITIZER_BOOST} has no stamp: run "
                      "scripts/build-sanitizer-boost.sh and pass the prefix it prints")
endif()
file(READ "${_weft_boost_stamp}" _weft_boost_flags)
foreach(def IN LISTS _weft_boost_defines)
  if(NOT _weft_boost_flags MATCHES "-D${def}( |$)")
    message(FATAL_ERROR "${WEFT_SANITIZER_BOOST} was not built with ${def} "
                        "(WEFT_SANITIZE=${WEFT_SANITIZE}): ${_weft_boost_flags}")
  endif()
endforeach()

find_package(Boost 1.81 REQUIRED)  # the headers of the rest of Boost (Boost::headers)

add_library(Boost::context STATIC IMPORTED)
set_target_properties(Boost::context PROPERTIES
  IMPORTED_LOCATION "${WEFT_SANITIZER_BOOST}/lib/libboost_context.a"
  INTERFACE_INCLUDE_DIRECTORIES "${WEFT_SANITIZER_BOOST}/include"
  INTERFACE_COMPILE_DEFINITIONS "${_weft_boost_defines}"
  INTERFACE_LINK_LIBRARIES Boost::headers)
add_library(Boost::fiber STATIC IMPORTED)
set_target_properties(Boost::fiber PROPERTIES
  IMPORTED_LOCATION "${WEFT_SANITIZER_BOOST}/lib/libboost_fiber.a"
  INTERFACE_LINK_LIBRARIES "Boost::context;Boost::headers;Threads::Threads")
message(STATUS "weft: Boost.Context/Fiber from ${WEFT_SANITIZER_BOOST} (${_weft_boost_defines})")
