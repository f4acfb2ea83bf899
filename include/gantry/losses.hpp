#pragma once
// losses/: GAN loss policies (static d_loss / g_loss on logits), BCE and cross-entropy
// helpers, the ADC-GAN classifier terms and the WGAN-GP gradient penalty.
#include "losses/classification.hpp"
#include "losses/gradient_penalty.hpp"
#include "losses/hinge.hpp"
#include "losses/least_squares.hpp"
#include "losses/non_saturating.hpp"
#include "losses/wasserstein.hpp"
