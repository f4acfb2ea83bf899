# Installs the headers and the INTERFACE target gantry::gantry, with a package
# configuration so that a consumer writes
#   find_package(gantry CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE gantry::gantry)   # gantry::cuda, gantry::mpi when built
# Included from the top-level CMakeLists.txt after the target is defined.
include(CMakePackageConfigHelpers)

set(GANTRY_INSTALL_CMAKEDIR "${CMAKE_INSTALL_DATADIR}/cmake/gantry"
    CACHE STRING "Where gantryConfig.cmake is installed, relative to the prefix")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
        FILES_MATCHING PATTERN "*.hpp" PATTERN "*.cuh")

install(TARGETS gantry EXPORT gantryTargets)
install(EXPORT gantryTargets
        NAMESPACE gantry::
        DESTINATION "${GANTRY_INSTALL_CMAKEDIR}")

configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/gantryConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/gantryConfig.cmake"
  INSTALL_DESTINATION "${GANTRY_INSTALL_CMAKEDIR}")
# Header-only and architecture-independent: any 32/64-bit consumer may use it.
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/gantryConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}"
  COMPATIBILITY SameMinorVersion
  ARCH_INDEPENDENT)
install(FILES "${PROJECT_BINARY_DIR}/gantryConfig.cmake"
              "${PROJECT_BINARY_DIR}/gantryConfigVersion.cmake"
        DESTINATION "${GANTRY_INSTALL_CMAKEDIR}")

# gantry::cuda (cmake/GantryCuda.cmake) in its own export set, so that a CPU-only
# consumer needs no CUDA toolkit. Deferred to the end of the top-level directory,
# so that it sees the target whatever the order of the blocks that define them.
function(_gantry_install_cuda)
  if(TARGET gantry_cuda)
    set_target_properties(gantry_cuda PROPERTIES EXPORT_NAME cuda)
    install(TARGETS gantry_cuda EXPORT gantryCudaTargets)
    install(EXPORT gantryCudaTargets
            NAMESPACE gantry::
            DESTINATION "${GANTRY_INSTALL_CMAKEDIR}")
  endif()
endfunction()
cmake_language(DEFER DIRECTORY "${PROJECT_SOURCE_DIR}" CALL _gantry_install_cuda)

# gantry::mpi (cmake/GantryMpi.cmake) likewise, so that only its users need MPI.
function(_gantry_install_mpi)
  if(TARGET gantry_mpi)
    set_target_properties(gantry_mpi PROPERTIES EXPORT_NAME mpi)
    install(TARGETS gantry_mpi EXPORT gantryMpiTargets)
    install(EXPORT gantryMpiTargets
            NAMESPACE gantry::
            DESTINATION "${GANTRY_INSTALL_CMAKEDIR}")
  endif()
endfunction()
cmake_language(DEFER DIRECTORY "${PROJECT_SOURCE_DIR}" CALL _gantry_install_mpi)
