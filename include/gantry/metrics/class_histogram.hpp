#pragma once
// Class statistics of generated samples seen through a classifier: how the predicted classes
// are distributed (mode collapse shows as a peaked histogram) and, for class-conditional
// generators, how often the classifier agrees with the class the generator was asked for.
#include <cstdint>
#include <vector>

#include "features.hpp"

namespace gantry::metrics {

struct ClassHistogram {
  std::vector<int64_t> counts;   // samples per class
  std::vector<double> fraction;  // counts / number of samples (all zero for no samples)
};

// The arg-max class of each row of logits [N, C] (the first one on ties).
template <class T>
std::vector<int64_t> predicted_classes(const Tensor<T, cpu>& logits) {
  detail::check_features("predicted_classes", "logits", logits, 0);
  check<ShapeError>(logits.dim(1) >= 1, "predicted_classes: logits need at least one class, found shape ",
                    logits.shape());
  const auto l = as_matrix(logits);
  std::vector<int64_t> out(static_cast<std::size_t>(l.rows()));
  for (Eigen::Index i = 0; i < l.rows(); ++i) {
    Eigen::Index c = 0;
    l.row(i).maxCoeff(&c);
    out[static_cast<std::size_t>(i)] = c;
  }
  return out;
}

inline ClassHistogram class_histogram(const std::vector<int64_t>& labels, int64_t num_classes) {
  check<Error>(num_classes >= 1, "class_histogram: num_classes must be >= 1, got ", num_classes);
  ClassHistogram h;
  h.counts.assign(static_cast<std::size_t>(num_classes), 0);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    check<Error>(labels[i] >= 0 && labels[i] < num_classes, "class_histogram: label ", labels[i], " at index ", i,
                 " is outside [0, ", num_classes, ")");
    ++h.counts[static_cast<std::size_t>(labels[i])];
  }
  h.fraction.assign(h.counts.size(), 0.0);
  if (!labels.empty())
    for (std::size_t c = 0; c < h.counts.size(); ++c)
      h.fraction[c] = static_cast<double>(h.counts[c]) / static_cast<double>(labels.size());
  return h;
}

// Histogram of the arg-max classes of logits [N, C]; num_classes is C.
template <class T>
ClassHistogram class_histogram(const Tensor<T, cpu>& logits) {
  return class_histogram(predicted_classes(logits), logits.dim(1));
}

// Share of samples whose predicted class equals the intended (conditioning) class.
inline double class_consistency(const std::vector<int64_t>& predicted, const std::vector<int64_t>& intended) {
  check<ShapeError>(predicted.size() == intended.size(), "class_consistency: ", predicted.size(),
                    " predictions but ", intended.size(), " intended labels");
  check<Error>(!predicted.empty(), "class_consistency: no samples");
  int64_t agree = 0;
  for (std::size_t i = 0; i < predicted.size(); ++i) agree += predicted[i] == intended[i];
  return static_cast<double>(agree) / static_cast<double>(predicted.size());
}

template <class T>
double class_consistency(const Tensor<T, cpu>& logits, const std::vector<int64_t>& intended) {
  return class_consistency(predicted_classes(logits), intended);
}

}  // namespace gantry::metrics
