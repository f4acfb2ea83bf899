# Keeps README.md honest:
#  - readme_example: the first ```cpp block of README.md, compiled and run;
#  - readme_matches_ci: README.md shows the exact command that .ci/run runs.
set(_gantry_readme "${PROJECT_SOURCE_DIR}/README.md")
set_property(DIRECTORY "${PROJECT_SOURCE_DIR}" APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_gantry_readme}")

file(READ "${_gantry_readme}" _gantry_readme_text)
string(FIND "${_gantry_readme_text}" "```cpp\n" _gantry_begin)
if(_gantry_begin EQUAL -1)
  message(FATAL_ERROR "README.md has no ```cpp example block")
endif()
math(EXPR _gantry_begin "${_gantry_begin} + 7")
string(SUBSTRING "${_gantry_readme_text}" ${_gantry_begin} -1 _gantry_rest)
string(FIND "${_gantry_rest}" "```" _gantry_end)
string(SUBSTRING "${_gantry_rest}" 0 ${_gantry_end} _gantry_example)
# Rewritten only when it changes, so that an unrelated README edit rebuilds nothing.
file(CONFIGURE OUTPUT "${PROJECT_BINARY_DIR}/readme/readme_example.cpp"
     CONTENT "// Generated from README.md by cmake/GantryReadme.cmake.\n${_gantry_example}" @ONLY)

add_executable(readme_example "${PROJECT_BINARY_DIR}/readme/readme_example.cpp")
target_link_libraries(readme_example PRIVATE gantry::gantry gantry_dev_flags)
add_test(NAME readme_example COMMAND readme_example)

find_program(GANTRY_BASH bash REQUIRED)
add_test(NAME readme_matches_ci COMMAND "${GANTRY_BASH}" "${PROJECT_SOURCE_DIR}/.ci/run" --check)
