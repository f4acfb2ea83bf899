#pragma once
// detail::Absent: the module in a sub-module slot that a configuration leaves out (the class
// embedding of an unconditional head, the shared embedding of an unconditional generator):
// no parameters, nothing visited, nothing drawn from the generator.
#include <string>

#include "module.hpp"

namespace gantry::detail {

template <class T, class D>
struct Absent {
  explicit Absent(Init&) {}
  void visit(ParamVisitor<T, D>&, const std::string&) {}
};

}  // namespace gantry::detail
