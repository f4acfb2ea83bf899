#pragma once
// gantry/train: the training loop, checkpoints, evaluation, progress, module state and the
// Fashion-MNIST classifier behind the image metrics (docs/training.md, docs/metrics.md).
#include "train/checkpoint.hpp"
#include "train/decision_maps.hpp"
#include "train/evaluate.hpp"
#include "train/fashion_classifier.hpp"
#include "train/instance_features.hpp"
#include "train/module_state.hpp"
#include "train/progress.hpp"
#include "train/trainer.hpp"
