# cmake -DCOMPILER=<c++> -DSOURCE=<file.cpp> -DINCLUDES=<dir|dir|...> -P check.cmake
# Passes only if SOURCE fails to compile with the expected text in the diagnostics, and
# compiles cleanly with -DGANTRY_COMPILE_FAIL_CONTROL.
foreach(var COMPILER SOURCE INCLUDES)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check.cmake: -D${var}=... is required")
  endif()
endforeach()

file(STRINGS "${SOURCE}" expect_lines REGEX "^// expect-error: ")
list(LENGTH expect_lines n_expect)
if(NOT n_expect EQUAL 1)
  message(FATAL_ERROR "${SOURCE}: needs exactly one '// expect-error: <text>' line, found ${n_expect}")
endif()
string(REGEX REPLACE "^// expect-error: " "" expected "${expect_lines}")

string(REPLACE "|" ";" include_dirs "${INCLUDES}")
set(flags -std=c++20 -fsyntax-only)
foreach(dir IN LISTS include_dirs)
  list(APPEND flags "-I${dir}")
endforeach()

execute_process(COMMAND "${COMPILER}" ${flags} "${SOURCE}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(rc EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but it must fail with: ${expected}")
endif()
string(FIND "${out}" "${expected}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${SOURCE} failed to compile, but without the expected message\n"
                      "  expected: ${expected}\n  compiler output:\n${out}")
endif()

execute_process(COMMAND "${COMPILER}" ${flags} -DGANTRY_COMPILE_FAIL_CONTROL "${SOURCE}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${SOURCE} with -DGANTRY_COMPILE_FAIL_CONTROL must compile, but failed:\n${out}")
endif()
message(STATUS "${SOURCE}: fails as expected with \"${expected}\"")
