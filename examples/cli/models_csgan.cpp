// The `gantry` model csgan (CSGAN: cyclic-synthesized translation, models/csgan.hpp) and
// `gantry translate --official`: a released pytorch-CycleGAN-and-pix2pix ResnetGenerator
// (converted by scripts/convert_cyclegan.py) applied to a folder; in a translation unit of
// their own.
#include "translation.hpp"

namespace gantry_cli {

std::optional<int> run_csgan(Command cmd, const Args& a, const RunConfig& c, const io::TensorFile* f) {
  return run_translation_family<models::CsganPaper>("csgan", cmd, a, c, f);
}

namespace {
template <int Blocks, int Size>
int official_at(const Args& a, const io::TensorFile& f) {
  using G = models::resnet_generator<Image<3, Size, Size>, 3, 64, Blocks>;
  Rng rng(0);
  Init init{rng};
  typename G::template module<float, cpu> g(init);
  models::load_official_cyclegan_generator(f, g, a.str("prefix"));
  return translate_folder(a, 3, Size, [&](const Tensor<float, cpu>& x) {
    no_grad guard;
    return g.forward(Var<float, cpu>(x), false).value();
  }, "official resnet_" + std::to_string(Blocks) + "blocks");
}
}  // namespace

int translate_official(const Args& a) {
  const io::TensorFile f = io::read_safetensors(a.required("checkpoint"));
  const std::string net = a.required("official");
  const int64_t size = a.integer("size", net == "resnet_6blocks" ? 128 : 256);
  if (net == "resnet_9blocks" && size == 256) return official_at<9, 256>(a, f);
  if (net == "resnet_6blocks" && size == 128) return official_at<6, 128>(a, f);
  if (net == "resnet_9blocks" && size == 128) return official_at<9, 128>(a, f);
  if (net == "resnet_6blocks" && size == 256) return official_at<6, 256>(a, f);
  fail<UsageError>("--official expects resnet_9blocks or resnet_6blocks (ngf 64, RGB) with --size 256 or 128; found ",
                   net, " at ", size);
}

}  // namespace gantry_cli
