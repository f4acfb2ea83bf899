// The `gantry` models of WGAN's family: wgan-gp and wgan (resnet, dcgan and toy nets), dcgan
// and lsgan.
#include "cli.hpp"
#include "gantry/models/dcgan.hpp"
#include "gantry/models/wgan.hpp"
#include "gantry/models/wgan_gp.hpp"
#include "gantry/models/wgan_nets.hpp"

namespace gantry_cli {

std::optional<int> run_wgan_family(Command cmd, const Args& a, const RunConfig& c, const io::TensorFile* f) {
  const auto run = [&]<class Model>(std::type_identity<Model>) { return std::optional<int>(run_model<Model>(cmd, a, c, f)); };
  if (c.model == "dcgan" || c.model == "lsgan") {
    if (c.toy() || c.net != "dcgan") no_such_model(c);
    const bool ls = c.model == "lsgan";
    if (c.dim == 32)
      return ls ? run(std::type_identity<models::lsgan<PaddedFashion, 100, 32, 32>>{})
                : run(std::type_identity<models::dcgan<PaddedFashion, 100, 32, 32>>{});
    if (c.dim == 64)
      return ls ? run(std::type_identity<models::lsgan<PaddedFashion>>{}) : run(std::type_identity<models::dcgan<PaddedFashion>>{});
    no_such_model(c);
  }
  if (c.model != "wgan-gp" && c.model != "wgan") return std::nullopt;
  if (c.toy() != (c.net == "toy")) no_such_model(c);
  const auto pick = [&]<template <class, class> class M>() -> std::optional<int> {
    if (c.net == "toy" && c.dim == 512) return run(std::type_identity<M<models::wgan_gp_toy<512>, float>>{});
    if (c.net == "toy" && c.dim == 128) return run(std::type_identity<M<models::wgan_gp_toy<128>, float>>{});
    if (c.net == "resnet" && c.dim == 32) return run(std::type_identity<M<models::wgan_gp_resnet<FashionShape, 32>, float>>{});
    if (c.net == "resnet" && c.dim == 64) return run(std::type_identity<M<models::wgan_gp_resnet<FashionShape, 64>, float>>{});
    if (c.net == "resnet" && c.dim == 128)
      return run(std::type_identity<M<models::wgan_gp_resnet<FashionShape, 128>, float>>{});
    return std::nullopt;
  };
  std::optional<int> rc;
  if (c.model == "wgan-gp") {
    rc = pick.template operator()<models::WganGp>();
  } else {
    if (c.net == "dcgan") return run(std::type_identity<models::Wgan<models::wgan_dcgan<PaddedFashion>>>{});
    rc = pick.template operator()<models::Wgan>();
  }
  if (!rc) no_such_model(c);
  return rc;
}

}  // namespace gantry_cli
