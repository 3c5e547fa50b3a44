# Records the git hash at configure time for provenance in output files.
find_package(Git QUIET)
set(ROPESCALE_GIT_HASH "unknown")
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --short=12 HEAD
                  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                  OUTPUT_VARIABLE _hash OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET
                  RESULT_VARIABLE _rc)
  if(_rc EQUAL 0 AND _hash)
    set(ROPESCALE_GIT_HASH "${_hash}")
  endif()
endif()
