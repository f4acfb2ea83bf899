# Data-parallel training over MPI: the gantry::mpi target and its test under mpirun.
#
# gantry::mpi = gantry::gantry + MPI (its C API) + GANTRY_WITH_MPI. A program that links it
# may include gantry/distributed/mpi.hpp; nothing else in gantry needs MPI, so without an MPI
# library (Debian: libopenmpi-dev openmpi-bin) nothing changes for one-process users.
# The C API through the C++ compiler, without the deprecated MPI-2 C++ bindings.
set(MPI_CXX_SKIP_MPICXX ON)
set(MPI_DETERMINE_LIBRARY_VERSION ON)
find_package(MPI QUIET COMPONENTS CXX)
option(GANTRY_MPI "Build the MPI data-parallel target, its test and the command line's mpirun support" ${MPI_CXX_FOUND})
if(GANTRY_MPI)
  find_package(MPI REQUIRED COMPONENTS CXX)
  add_library(gantry_mpi INTERFACE)
  add_library(gantry::mpi ALIAS gantry_mpi)
  target_link_libraries(gantry_mpi INTERFACE gantry::gantry MPI::MPI_CXX)
  # (MPI_CXX_SKIP_MPICXX: MPI::MPI_CXX defines OMPI_SKIP_MPICXX and MPICH_SKIP_MPICXX.)
  target_compile_definitions(gantry_mpi INTERFACE GANTRY_WITH_MPI)

  if(GANTRY_BUILD_TESTS)
    # Open MPI refuses to start as root (as CI runs) without these two variables, and
    # places one process per core unless told that more may share them.
    set(GANTRY_MPIEXEC_FLAGS)
    set(GANTRY_MPIEXEC_ENV GANTRY_NUM_THREADS=1)
    if(MPI_CXX_LIBRARY_VERSION_STRING MATCHES "Open MPI")
      set(GANTRY_MPIEXEC_FLAGS --oversubscribe)
      list(APPEND GANTRY_MPIEXEC_ENV OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1)
    endif()
    add_executable(test_data_parallel ${PROJECT_SOURCE_DIR}/tests/mpi/test_data_parallel.cpp)
    target_link_libraries(test_data_parallel PRIVATE gantry::mpi gantry_dev_flags doctest::doctest)
    add_test(NAME test_data_parallel
             COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} 2 ${GANTRY_MPIEXEC_FLAGS} ${MPIEXEC_PREFLAGS}
                     $<TARGET_FILE:test_data_parallel> ${MPIEXEC_POSTFLAGS})
    # A rank that fails while the other waits in a collective would hang: the timeout ends it.
    set_tests_properties(test_data_parallel PROPERTIES TIMEOUT 600 ENVIRONMENT "${GANTRY_MPIEXEC_ENV}")
    if(GANTRY_BUILD_EXAMPLES)
      set(mpiexec ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} 2 ${GANTRY_MPIEXEC_FLAGS} ${MPIEXEC_PREFLAGS})
      string(REPLACE ";" "\\;" mpiexec "${mpiexec}")
      add_test(NAME cli_data_parallel
               COMMAND ${CMAKE_COMMAND} -DGANTRY=$<TARGET_FILE:gantry_cli> "-DMPIEXEC=${mpiexec}"
                       -DWORK_DIR=${PROJECT_BINARY_DIR}/cli_data_parallel
                       -P ${PROJECT_SOURCE_DIR}/tests/mpi/cli_data_parallel.cmake)
      set_tests_properties(cli_data_parallel PROPERTIES TIMEOUT 600 ENVIRONMENT "${GANTRY_MPIEXEC_ENV}")
    endif()
  endif()

  if(GANTRY_BUILD_BENCH)
    # 1 process x T threads against mpirun -np N x 1 thread on the same global batch.
    find_package(benchmark REQUIRED)
    add_executable(bench_data_parallel ${PROJECT_SOURCE_DIR}/bench/mpi/bench_data_parallel.cpp)
    target_link_libraries(bench_data_parallel PRIVATE gantry::mpi gantry_dev_flags benchmark::benchmark)
    set_target_properties(bench_data_parallel PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bench)
  endif()
endif()
