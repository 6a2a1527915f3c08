# Installs Kinase into WORK/prefix, then configures and builds a small project that uses it twice: through
# find_package(Kinase) and through add_subdirectory. Fails when either does not build or run.
file(REMOVE_RECURSE ${WORK})
execute_process(COMMAND ${CMAKE_COMMAND} -S ${KINASE_SOURCE} -B ${WORK}/kinase-build -G Ninja
  -DKINASE_BUILD_TESTS=OFF -DKINASE_BUILD_EXAMPLES=OFF -DCMAKE_INSTALL_PREFIX=${WORK}/prefix
  RESULT_VARIABLE r)
if(NOT r EQUAL 0)
  message(FATAL_ERROR "configuring Kinase for install failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --install ${WORK}/kinase-build RESULT_VARIABLE r OUTPUT_QUIET)
if(NOT r EQUAL 0)
  message(FATAL_ERROR "installing Kinase failed")
endif()
foreach(how find_package add_subdirectory)
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${CMAKE_CURRENT_LIST_DIR}/project -B ${WORK}/${how} -G Ninja
    -DCMAKE_CXX_COMPILER=${COMPILER} -DHOW=${how} -DCMAKE_PREFIX_PATH=${WORK}/prefix -DKINASE_SOURCE=${KINASE_SOURCE}
    RESULT_VARIABLE r)
  if(NOT r EQUAL 0)
    message(FATAL_ERROR "configuring the consumer (${how}) failed")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK}/${how} RESULT_VARIABLE r)
  if(NOT r EQUAL 0)
    message(FATAL_ERROR "building the consumer (${how}) failed")
  endif()
  execute_process(COMMAND ${WORK}/${how}/consumer RESULT_VARIABLE r OUTPUT_VARIABLE out)
  if(NOT r EQUAL 0 OR NOT out MATCHES "400 -800")
    message(FATAL_ERROR "the consumer (${how}) printed '${out}'")
  endif()
endforeach()
if(NOT EXISTS ${WORK}/prefix/share/pkgconfig/kinase.pc)
  message(FATAL_ERROR "kinase.pc was not installed")
endif()
