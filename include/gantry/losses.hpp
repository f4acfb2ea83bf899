#pragma once
// losses/: GAN loss policies (static d_loss / g_loss on logits), BCE and cross-entropy
// helpers, the ADC-GAN classifier terms, and the regulariser policies: the WGAN-GP gradient
// penalty, weight clipping and BigGAN's orthogonal regularisation; the reconstruction terms
// of two-domain translators (cycle consistency, cyclic-synthesized, identity).
#include "losses/adversarial.hpp"
#include "losses/classification.hpp"
#include "losses/cutmix.hpp"
#include "losses/cycle.hpp"
#include "losses/gradient_penalty.hpp"
#include "losses/hinge.hpp"
#include "losses/least_squares.hpp"
#include "losses/non_saturating.hpp"
#include "losses/orthogonal.hpp"
#include "losses/regulariser.hpp"
#include "losses/wasserstein.hpp"
#include "losses/weight_clipping.hpp"
