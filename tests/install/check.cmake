# ctest install_consumer: installs this build tree into a fresh prefix, then
# configures, builds and runs tests/install/consumer against that prefix only.
#   cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -DCONFIG=...
#         -DGENERATOR=... -DCXX_COMPILER=... -DWITH_CUDA=0|1 -P check.cmake
cmake_minimum_required(VERSION 3.22)

foreach(var BUILD_DIR SOURCE_DIR WORK_DIR CONFIG GENERATOR CXX_COMPILER WITH_CUDA)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "install_consumer: ${var} is not set")
  endif()
endforeach()

function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install_consumer: ${what} failed (exit ${rc}):\n${out}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

set(prefix "${WORK_DIR}/prefix")
set(consumer_build "${WORK_DIR}/build")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

run_step("install" ${CMAKE_COMMAND} --install "${BUILD_DIR}" --config "${CONFIG}" --prefix "${prefix}")

file(GLOB_RECURSE config_file "${prefix}/*/gantryConfig.cmake")
if(NOT config_file)
  message(FATAL_ERROR "install_consumer: no gantryConfig.cmake under ${prefix}")
endif()
file(GLOB_RECURSE targets_files "${prefix}/*/gantryTargets*.cmake")
foreach(f IN LISTS targets_files)
  file(READ "${f}" text)
  string(FIND "${text}" "${SOURCE_DIR}" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "install_consumer: ${f} refers to the source tree ${SOURCE_DIR}")
  endif()
endforeach()

# Only the fresh prefix may provide gantry: no package registries, no system copy.
run_step("configure" ${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/install/consumer" -B "${consumer_build}"
         -G "${GENERATOR}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
         -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
         -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
string(FIND "${step_output}" "from ${prefix}/" at)
if(at EQUAL -1)
  message(FATAL_ERROR "install_consumer: gantry was not found in ${prefix}:\n${step_output}")
endif()

if(WITH_CUDA AND NOT step_output MATCHES "gantry::cuda found")
  message(FATAL_ERROR "install_consumer: gantry was built with CUDA but gantry::cuda was not found:\n${step_output}")
endif()

run_step("build" ${CMAKE_COMMAND} --build "${consumer_build}" --config Release)

find_program(consumer_exe consumer PATHS "${consumer_build}" "${consumer_build}/Release" NO_DEFAULT_PATH REQUIRED)
run_step("run" "${consumer_exe}")
message("${step_output}")
if(NOT step_output MATCHES "gantry consumer: shape \\[2, 3\\] trace 91 visited 6")
  message(FATAL_ERROR "install_consumer: unexpected output from the consumer")
endif()

if(WITH_CUDA)
  find_program(cuda_exe consumer_cuda PATHS "${consumer_build}" "${consumer_build}/Release" NO_DEFAULT_PATH REQUIRED)
  run_step("run consumer_cuda" "${cuda_exe}")
  message("${step_output}")
  if(NOT step_output MATCHES "gantry consumer_cuda: (no CUDA device|shape \\[2, 2\\] sum 10)")
    message(FATAL_ERROR "install_consumer: unexpected output from consumer_cuda")
  endif()
endif()
