#pragma once
// What the learning tests share: the Fashion-MNIST classifier whose features their FD is
// measured in. It comes from $GANTRY_CACHE when set (the examples' cache), otherwise it is
// trained once (one epoch, about a minute) into the system temp directory and reused.
#include <cstdlib>
#include <filesystem>

#include "gantry/train/fashion_classifier.hpp"

namespace gantry::test {

inline train::FashionFeatures learning_test_classifier() {
  namespace fs = std::filesystem;
  const char* cache = std::getenv("GANTRY_CACHE");
  const fs::path clf = cache ? fs::path(cache) / train::fashion_classifier_file
                             : fs::temp_directory_path() / "gantry_test_cache" / train::fashion_classifier_file;
  train::FashionClassifierOptions copt;
  copt.epochs = 1;
  return train::load_or_train_fashion_classifier(clf.string(), false, copt);
}

}  // namespace gantry::test
