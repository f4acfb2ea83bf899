#pragma once
// gantry/models: the papers as nets + hyper-parameters + step policies. WGAN and WGAN-GP
// (trained, docs/models/wgan_gp.md); SAGAN, BigGAN and BigGAN-deep (aliases, the shared hinge
// step policy, PyTorch / official-code parity; docs/models/).
#include "models/biggan.hpp"
#include "models/biggan_deep.hpp"
#include "models/biggan_deep_official.hpp"
#include "models/biggan_official.hpp"
#include "models/hinge_gan.hpp"
#include "models/hyper.hpp"
#include "models/net_pair.hpp"
#include "models/sagan.hpp"
#include "models/standing_stats.hpp"
#include "models/step_losses.hpp"
#include "models/truncation.hpp"
#include "models/wgan.hpp"
#include "models/wgan_gp.hpp"
#include "models/wgan_nets.hpp"
