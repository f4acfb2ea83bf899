// The `gantry` models of WGAN's family: wgan-gp and wgan (resnet, dcgan and toy nets), dcgan
// and lsgan.
#include "cli.hpp"
#include "gantry/models/dcgan.hpp"
#include "gantry/models/wgan.hpp"
#include "gantry/models/wgan_gp.hpp"

namespace gantry_cli {

namespace {
using Toy = Vector<2>;
using models::wgan, models::wgan_gp, models::dcgan, models::lsgan;
using ResNet = Architecture<Arch::resnet>;
const Offer offers[] = {
    offer<wgan_gp<Toy, Width<512>>>("wgan-gp", "toy", 512, Data::points),
    offer<wgan_gp<Toy, Width<128>>>("wgan-gp", "toy", 128, Data::points),
    offer<wgan_gp<FashionShape, Width<32>>>("wgan-gp", "resnet", 32),
    offer<wgan_gp<FashionShape, Width<64>>>("wgan-gp", "resnet", 64),
    offer<wgan_gp<FashionShape, Width<128>>>("wgan-gp", "resnet", 128),
    offer<wgan<Toy, Width<512>>>("wgan", "toy", 512, Data::points),
    offer<wgan<Toy, Width<128>>>("wgan", "toy", 128, Data::points),
    offer<wgan<FashionShape, ResNet, Width<32>>>("wgan", "resnet", 32),
    offer<wgan<FashionShape, ResNet, Width<64>>>("wgan", "resnet", 64),
    offer<wgan<FashionShape, ResNet, Width<128>>>("wgan", "resnet", 128),
    offer<wgan<PaddedFashion, Width<32>>>("wgan", "dcgan", 32),
    offer<wgan<PaddedFashion>>("wgan", "dcgan", 64),
    offer<dcgan<PaddedFashion, Width<32>>>("dcgan", "dcgan", 32),
    offer<dcgan<PaddedFashion>>("dcgan", "dcgan", 64),
    offer<lsgan<PaddedFashion, Width<32>>>("lsgan", "dcgan", 32),
    offer<lsgan<PaddedFashion>>("lsgan", "dcgan", 64),
};
}  // namespace

Offers wgan_offers() { return offers; }

}  // namespace gantry_cli
