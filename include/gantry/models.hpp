#pragma once
// gantry/models: the papers as nets + hyper-parameters + paper policies of the one step
// template models::Gan (gan.hpp; docs/new_gan.md): WGAN and WGAN-GP, SAGAN, BigGAN and
// BigGAN-deep, LOGAN, ADC-GAN (with AC-GAN, TAC-GAN), U-Net GAN, IC-GAN and cc-IC-GAN
// (docs/models/), DCGAN, LSGAN and the conditional DCGAN; CSGAN and CycleGAN on the translation step template
// (translation.hpp).
#include "models/biggan.hpp"
#include "models/biggan_deep.hpp"
#include "models/biggan_deep_official.hpp"
#include "models/biggan_official.hpp"
#include "models/condition.hpp"
#include "models/csgan.hpp"
#include "models/csgan_official.hpp"
#include "models/cdcgan.hpp"
#include "models/dcgan.hpp"
#include "models/gan.hpp"
#include "models/hinge_gan.hpp"
#include "models/hyper.hpp"
#include "models/image_pool.hpp"
#include "models/icgan.hpp"
#include "models/icgan_official.hpp"
#include "models/logan.hpp"
#include "models/adcgan.hpp"
#include "models/net_pair.hpp"
#include "models/sagan.hpp"
#include "models/standing_stats.hpp"
#include "models/step_losses.hpp"
#include "models/translation.hpp"
#include "models/truncation.hpp"
#include "models/unetgan.hpp"
#include "models/unetgan_official.hpp"
#include "models/wgan.hpp"
#include "models/wgan_gp.hpp"
#include "models/wgan_nets.hpp"
