// GANTRY_TEST_DATA_DIR: the tests/ source directory, where the fixtures live.
// Every test unit gets this header by -include (tests/CMakeLists.txt). The absolute path is
// compiled into one generated unit only, so that the tests' own compile commands do not
// depend on where the repository is checked out and a compiler cache can share them
// between clones. Use it as std::string(GANTRY_TEST_DATA_DIR) + "/fixtures/...".
#pragma once

namespace gantry_test {
const char* data_dir();  // defined in the build tree's test_data_dir.cpp
}  // namespace gantry_test

#define GANTRY_TEST_DATA_DIR (::gantry_test::data_dir())
