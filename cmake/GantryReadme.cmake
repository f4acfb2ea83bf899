# Keeps README.md and the documentation's programs honest:
#  - readme_example: the first ```cpp block of README.md, compiled and run;
#  - doc_new_gan: the program of docs/new_gan.md, compiled and run for 20 steps
#    (a fresh run directory each time, since a used one is refused);
#  - doc_custom_data: the data source of docs/data.md, the same way;
#  - readme_matches_ci: README.md shows the exact command that .ci/run runs.
# gantry_doc_example(NAME FILE [ARGS...]): the block of FILE (a page of the documentation)
# marked ```cpp program, else its first ```cpp block, compiled as NAME and run with ARGS as
# the test NAME.
function(gantry_doc_example name file)
  set_property(DIRECTORY "${PROJECT_SOURCE_DIR}" APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${file}")
  file(READ "${file}" text)
  set(fence "```cpp program\n")
  string(FIND "${text}" "${fence}" begin)
  if(begin EQUAL -1)
    set(fence "```cpp\n")
    string(FIND "${text}" "${fence}" begin)
  endif()
  if(begin EQUAL -1)
    message(FATAL_ERROR "${file} has no ```cpp example block")
  endif()
  string(LENGTH "${fence}" fence_length)
  math(EXPR begin "${begin} + ${fence_length}")
  string(SUBSTRING "${text}" ${begin} -1 rest)
  string(FIND "${rest}" "```" end)
  string(SUBSTRING "${rest}" 0 ${end} example)
  file(RELATIVE_PATH rel "${PROJECT_SOURCE_DIR}" "${file}")
  # Rewritten only when it changes, so that an unrelated edit of the page rebuilds nothing.
  file(CONFIGURE OUTPUT "${PROJECT_BINARY_DIR}/readme/${name}.cpp"
       CONTENT "// Generated from ${rel} by cmake/GantryReadme.cmake.\n${example}" @ONLY)
  add_executable(${name} "${PROJECT_BINARY_DIR}/readme/${name}.cpp")
  target_link_libraries(${name} PRIVATE gantry::gantry gantry_dev_flags)
  add_test(NAME ${name} COMMAND ${name} ${ARGN})
endfunction()

gantry_doc_example(readme_example "${PROJECT_SOURCE_DIR}/README.md")

find_program(GANTRY_BASH bash REQUIRED)
gantry_doc_example(doc_new_gan "${PROJECT_SOURCE_DIR}/docs/new_gan.md" 20 "${PROJECT_BINARY_DIR}/readme/new_gan_run")
add_test(NAME doc_new_gan_fresh_dir COMMAND ${CMAKE_COMMAND} -E rm -rf "${PROJECT_BINARY_DIR}/readme/new_gan_run")
set_tests_properties(doc_new_gan_fresh_dir PROPERTIES FIXTURES_SETUP new_gan_dir)
set_tests_properties(doc_new_gan PROPERTIES FIXTURES_REQUIRED new_gan_dir)
gantry_doc_example(doc_custom_data "${PROJECT_SOURCE_DIR}/docs/data.md" 20 "${PROJECT_BINARY_DIR}/readme/custom_data_run")
add_test(NAME doc_custom_data_fresh_dir COMMAND ${CMAKE_COMMAND} -E rm -rf "${PROJECT_BINARY_DIR}/readme/custom_data_run")
set_tests_properties(doc_custom_data_fresh_dir PROPERTIES FIXTURES_SETUP custom_data_dir)
set_tests_properties(doc_custom_data PROPERTIES FIXTURES_REQUIRED custom_data_dir)
add_test(NAME readme_matches_ci COMMAND "${GANTRY_BASH}" "${PROJECT_SOURCE_DIR}/.ci/run" --check)
