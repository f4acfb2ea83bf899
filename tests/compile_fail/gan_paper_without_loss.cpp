// A paper policy that lacks a piece is one readable compile error naming the GanPaper
// concept: here a paper whose Loss is not an adversarial loss (no d_loss / g_loss).
// expect-error: GanPaper<Paper>
#include <gantry/models/dcgan.hpp>

using namespace gantry;

struct NotALoss {};
inline constexpr char name[] = "broken";
#if defined(GANTRY_COMPILE_FAIL_CONTROL)
using Paper = models::AdamGanPaper<NonSaturating, name>;
#else
using Paper = models::AdamGanPaper<NotALoss, name>;
#endif

int main() {
  models::Gan<models::dcgan_nets<Image<1, 32, 32>, 8, 8, 8>, Paper> m(models::AdamGanHyper{}, 1);
  return static_cast<int>(m.batch_size() == 0);
}
