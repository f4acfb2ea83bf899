#pragma once
// metrics/: sample-quality metrics on feature matrices [N, F] (cpu, float or double; computed
// in double): Fréchet distance, KID, k-NN precision/recall, toy mode coverage and class
// histograms of classifier predictions, sample diversity; and the paired image similarity of
// translations (MSE, PSNR, SSIM) on image batches.
#include "metrics/class_histogram.hpp"
#include "metrics/diversity.hpp"
#include "metrics/frechet.hpp"
#include "metrics/image_similarity.hpp"
#include "metrics/kid.hpp"
#include "metrics/modes.hpp"
#include "metrics/precision_recall.hpp"
#include "metrics/resnet_features.hpp"
