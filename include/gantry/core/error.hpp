#pragma once
// Exceptions. Every message says what was expected and what was found.
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace gantry {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A shape that an op cannot take. The message names the op and the shapes.
class ShapeError : public Error {
 public:
  using Error::Error;
};

// A file that is missing, truncated or not in the expected format.
class FormatError : public Error {
 public:
  using Error::Error;
};

namespace detail {
template <class... Args>
std::string concat(Args&&... args) {
  std::ostringstream os;
  (os << ... << std::forward<Args>(args));
  return os.str();
}
}  // namespace detail

template <class E = Error, class... Args>
[[noreturn]] void fail(Args&&... args) {
  throw E(detail::concat(std::forward<Args>(args)...));
}

template <class E = Error, class... Args>
void check(bool ok, Args&&... args) {
  if (!ok) fail<E>(std::forward<Args>(args)...);
}

}  // namespace gantry
