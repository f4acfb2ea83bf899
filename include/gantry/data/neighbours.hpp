#pragma once
// Exact k nearest neighbours under L2 of every row of a feature matrix among the other rows:
// the neighbourhoods IC-GAN conditions on (facebookresearch/ic_gan, _obtain_nns in
// data_utils/datasets_common.py: a faiss IndexFlatL2 over the L2-normalised features, k + 1
// searched for each sample, the sample itself deleted). gantry computes them itself, so that
// no BLAS or faiss is needed; docs/data.md has the file format and docs/performance.md the
// comparison with faiss.
//
// Method. Queries and base are cut into blocks; for each pair of blocks Eigen's float GEMM
// gives q.b, and ||b||^2 - 2 q.b ranks the base rows for query q (||q||^2 is the same for all
// of them). The float rounding of that expression is below (F + 4) u (||q||^2 + max ||b||^2),
// u = 2^-24, whatever order the GEMM sums in; each query keeps every candidate within
// 4 (F + 8) u (||q||^2 + max ||b||^2) of its current k-th best (twice the error on either
// side), pruned with a partial selection (nth_element) whenever the list grows. At the
// end every surviving candidate's distance is recomputed in double as sum_f (q_f - b_f)^2, in
// one fixed order, and the k best by (distance, index) are kept. So:
//   - distances and ranking are those of the float features evaluated in double, not those of
//     a float GEMM (which can swap neighbours a few 1e-7 apart);
//   - it is bit for bit the same for every thread count and block size (the GEMM's rounding,
//     which does depend on them, only decides which candidates are looked at again, and the
//     margin makes sure that the true k best always are);
//   - ties (equal double distances, e.g. duplicated samples) go to the smaller index.
// Query blocks are spread over gantry's thread pool (core/parallel.hpp); Eigen's GEMM runs
// single-threaded inside each task (gantry does not build with OpenMP, Eigen's only threading).
//
// Differences from faiss's IndexFlatL2 + "delete self" as IC-GAN does it:
//   - self is excluded by index. faiss returns the k + 1 smallest distances; when a sample
//     has exact duplicates, one of them can take the sample's own place, the sample is then
//     not among the k + 1 and IC-GAN's code deletes nothing, keeping k + 1 entries (or a
//     duplicate instead of the sample). Here the row always has exactly k other samples, and
//     duplicates (distance 0) come first, by index;
//   - distances are squared L2, as faiss's, but recomputed in double and rounded to float
//     once, where faiss reports ||q||^2 + ||b||^2 - 2 q.b in float (an absolute error of a
//     few 1e-7 for unit vectors); neighbours closer than that to each other can be ordered
//     differently.
//
//   auto nn = data::nearest_neighbours(features, 50);         // features [N, F], float
//   for (int64_t j : nn.of(i)) ...                             // the 50 nearest other samples of i
//   data::save_neighbours(nn, "nns.safetensors", {{"features", "inception_pool3"}});
//   auto back = data::load_neighbours("nns.safetensors");
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#include "../core/eigen.hpp"
#include "../core/error.hpp"
#include "../core/parallel.hpp"
#include "../core/tensor.hpp"
#include "../io/safetensors.hpp"

namespace gantry::data {

// Row i: the k nearest samples of query i, nearest first (for the self-search: of sample i,
// itself excluded).
struct Neighbours {
  int64_t count = 0, k = 0;
  std::vector<int64_t> ids;      // [count * k]
  std::vector<float> distances;  // squared L2, same layout

  std::span<const int64_t> of(int64_t i) const {
    check<Error>(i >= 0 && i < count, "Neighbours::of: expected a sample index in [0, ", count, "), found ", i);
    return {ids.data() + i * k, static_cast<std::size_t>(k)};
  }
  std::span<const float> distances_of(int64_t i) const {
    check<Error>(i >= 0 && i < count, "Neighbours::distances_of: expected a sample index in [0, ", count,
                 "), found ", i);
    return {distances.data() + i * k, static_cast<std::size_t>(k)};
  }
};

// Tuning only: the result does not depend on these (nor on the thread count).
struct NeighbourOptions {
  // Queries per task (one GEMM's rows). Measured on a 2-core AVX-512 Xeon (bench_knn's
  // BM_knn_blocks, docs/performance.md): 512 was best at F = 128 and F = 2048, 256 within 6%;
  // smaller blocks repack the base more often. Lowered automatically so that every thread
  // gets a block.
  int64_t query_block = 512;
  // Base rows per GEMM: the [query_block, base_block] float product (2 MB by default) is read
  // back at once for the selection, so it should stay in the core's L2 cache; 2048 was
  // 2-5% slower, 4096 10-15%.
  int64_t base_block = 1024;
};

namespace neighbours_detail {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct Candidate {
  float v;  // ||b||^2 - 2 q.b in float (the approximate distance minus ||q||^2)
  int64_t id;
};

// Rank 2, at least one column, finite values.
inline void check_features(const Tensor<float, cpu>& x, const char* fn, const char* what) {
  check<Error>(x.defined(), fn, ": ", what, " is an undefined (default-constructed) tensor");
  check<ShapeError>(x.rank() == 2, fn, ": expected ", what, " of shape [N, F], found shape ", x.shape());
  check<ShapeError>(x.dim(1) >= 1, fn, ": expected ", what, " with at least one feature column, found shape ",
                    x.shape());
  const float* p = x.data();
  const int64_t n = x.dim(0), f = x.dim(1);
  for (int64_t i = 0; i < n * f; ++i)
    if (!std::isfinite(p[i]))
      fail<Error>(fn, ": expected finite ", what, ", found ", p[i], " at row ", i / f, ", column ", i % f);
}

inline std::vector<double> squared_norms(const float* x, int64_t n, int64_t f) {
  std::vector<double> out(static_cast<std::size_t>(n));
  parallel_for(0, n, 1024, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      const float* r = x + i * f;
      double s = 0;
      for (int64_t j = 0; j < f; ++j) s += double(r[j]) * double(r[j]);
      out[i] = s;
    }
  });
  return out;
}

// sum_f (a_f - b_f)^2 in double, always in the same order (eight interleaved partial sums).
inline double exact_distance(const float* a, const float* b, int64_t f) {
  double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t j = 0;
  for (; j + 8 <= f; j += 8)
    for (int l = 0; l < 8; ++l) {
      const double d = double(a[j + l]) - double(b[j + l]);
      s[l] += d * d;
    }
  for (int l = 0; j < f; ++j, ++l) {
    const double d = double(a[j]) - double(b[j]);
    s[l] += d * d;
  }
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

// Keeps the candidates within `margin` of the k-th smallest v; lowers `threshold` to that.
inline void prune(std::vector<Candidate>& c, int64_t k, float margin, float& threshold, std::size_t& cap) {
  auto kth = c.begin() + (k - 1);
  std::nth_element(c.begin(), kth, c.end(), [](const Candidate& a, const Candidate& b) { return a.v < b.v; });
  threshold = std::min(threshold, kth->v + margin);
  const float t = threshold;
  c.erase(std::remove_if(c.begin(), c.end(), [t](const Candidate& x) { return x.v > t; }), c.end());
  cap = std::max(cap, 2 * c.size());  // many candidates within the margin (duplicates): grow
}

// Adds to `c` the columns of one block row whose v = ||b||^2 - 2 q.b is within the threshold
// (`dot`: q.b of the block's n columns, `bn`: their ||b||^2; column `skip` is the query itself).
inline void scan_row(const float* dot, const float* bn, int64_t n, int64_t b0, int64_t skip, std::vector<Candidate>& c,
                     int64_t k, float margin, float& threshold, std::size_t& cap, std::vector<float>& scratch) {
  if (threshold == std::numeric_limits<float>::infinity()) {
    // Nothing to compare with yet: the k-th smallest v of this block bounds the final one.
    const bool has_self = skip >= 0 && skip < n;
    if (n - has_self < k) {  // a block smaller than k: take it all
      for (int64_t j = 0; j < n; ++j)
        if (j != skip) c.push_back({bn[j] - 2.0f * dot[j], b0 + j});
      if (static_cast<int64_t>(c.size()) >= k) prune(c, k, margin, threshold, cap);
      return;
    }
    scratch.resize(static_cast<std::size_t>(n));
    for (int64_t j = 0; j < n; ++j) scratch[j] = bn[j] - 2.0f * dot[j];
    if (has_self) scratch[skip] = std::numeric_limits<float>::infinity();
    std::nth_element(scratch.begin(), scratch.begin() + (k - 1), scratch.end());
    threshold = scratch[k - 1] + margin;
  }
  float t = threshold;
  const auto add = [&](int64_t j, float v) {
    if (v > t || j == skip) return;
    c.push_back({v, b0 + j});
    if (c.size() >= cap) {
      prune(c, k, margin, threshold, cap);
      t = threshold;
    }
  };
  int64_t j = 0;
  // Most columns are far from the threshold: test a vector of them at once.
#if defined(__AVX512F__)
  const __m512 two = _mm512_set1_ps(2.0f);
  for (; j + 16 <= n; j += 16) {
    const __m512 v = _mm512_fnmadd_ps(two, _mm512_loadu_ps(dot + j), _mm512_loadu_ps(bn + j));  // exact 2 q.b
    unsigned m = _mm512_cmp_ps_mask(v, _mm512_set1_ps(t), _CMP_LE_OQ);
    if (!m) continue;
    alignas(64) float lane[16];
    _mm512_store_ps(lane, v);
    for (; m; m &= m - 1) add(j + __builtin_ctz(m), lane[__builtin_ctz(m)]);
  }
#elif defined(__AVX2__)
  const __m256 two = _mm256_set1_ps(2.0f);
  for (; j + 8 <= n; j += 8) {
    const __m256 v = _mm256_sub_ps(_mm256_loadu_ps(bn + j), _mm256_mul_ps(two, _mm256_loadu_ps(dot + j)));
    unsigned m = static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(v, _mm256_set1_ps(t), _CMP_LE_OQ)));
    if (!m) continue;
    alignas(32) float lane[8];
    _mm256_store_ps(lane, v);
    for (; m; m &= m - 1) add(j + __builtin_ctz(m), lane[__builtin_ctz(m)]);
  }
#endif
  for (; j < n; ++j) add(j, bn[j] - 2.0f * dot[j]);
}

// The k nearest rows of B [nb, f] for every row of Q [nq, f]; with `self` (Q == B) row i of
// the base is skipped for query i.
inline Neighbours search(const float* Q, int64_t nq, const float* B, int64_t nb, int64_t f, int64_t k, bool self,
                         NeighbourOptions o) {
  Neighbours out;
  out.count = nq;
  out.k = k;
  out.ids.resize(static_cast<std::size_t>(nq * k));
  out.distances.resize(static_cast<std::size_t>(nq * k));
  if (nq == 0) return out;

  const std::vector<double> qn = squared_norms(Q, nq, f);
  const std::vector<double> bn = self ? qn : squared_norms(B, nb, f);
  const double max_qn = *std::max_element(qn.begin(), qn.end());
  const double max_bn = *std::max_element(bn.begin(), bn.end());
  // 4 ||q|| ||b|| must stay far inside float's range (3.4e38) for the GEMM's products.
  check<Error>(max_qn < 1e36 && max_bn < 1e36, "nearest_neighbours: expected rows with squared L2 norms below 1e36 ",
               "(the search computes in float), found ", std::max(max_qn, max_bn));
  std::vector<float> bnf(bn.begin(), bn.end());
  // Twice the worst-case float error of v (see the header comment), plus a little for
  // underflow; the distances' double rounding is far below it.
  const double u = std::ldexp(1.0, -24);
  const auto margin_of = [&](int64_t i) {
    return static_cast<float>(2.0 * 2.0 * double(f + 8) * u * (qn[i] + max_bn) + 1e-30);
  };

  const int threads = num_threads();
  const int64_t qb = std::clamp<int64_t>((nq + threads - 1) / threads, 1, o.query_block);
  const int64_t bb = std::min(o.base_block, nb);
  const int64_t blocks = (nq + qb - 1) / qb;
  const std::size_t initial_cap = static_cast<std::size_t>(2 * k + 64);

  parallel_for(0, blocks, 1, [&](int64_t lo, int64_t hi) {
    std::vector<float> buffer(static_cast<std::size_t>(qb * bb));
    std::vector<std::vector<Candidate>> cand(static_cast<std::size_t>(qb));
    std::vector<float> threshold(static_cast<std::size_t>(qb));
    std::vector<float> margin(static_cast<std::size_t>(qb));
    std::vector<std::size_t> cap(static_cast<std::size_t>(qb));
    std::vector<std::pair<double, int64_t>> exact;
    std::vector<float> scratch;
    for (int64_t blk = lo; blk < hi; ++blk) {
      const int64_t q0 = blk * qb, m = std::min(qb, nq - q0);
      for (int64_t r = 0; r < m; ++r) {
        cand[r].clear();
        threshold[r] = std::numeric_limits<float>::infinity();
        margin[r] = margin_of(q0 + r);
        cap[r] = initial_cap;
      }
      const Eigen::Map<const RowMatrix> qmat(Q + q0 * f, m, f);
      for (int64_t b0 = 0; b0 < nb; b0 += bb) {
        const int64_t n = std::min(bb, nb - b0);
        const Eigen::Map<const RowMatrix> bmat(B + b0 * f, n, f);
        Eigen::Map<RowMatrix> dots(buffer.data(), m, n);
        dots.noalias() = qmat * bmat.transpose();
        for (int64_t r = 0; r < m; ++r) {
          const int64_t skip = self ? q0 + r - b0 : -1;  // the query's own column, if in this block
          scan_row(buffer.data() + r * n, bnf.data() + b0, n, b0, skip, cand[r], k, margin[r], threshold[r], cap[r],
                   scratch);
        }
      }
      for (int64_t r = 0; r < m; ++r) {
        const int64_t i = q0 + r;
        const float* qi = Q + i * f;
        if (static_cast<int64_t>(cand[r].size()) > k) prune(cand[r], k, margin[r], threshold[r], cap[r]);
        exact.clear();
        for (const Candidate& c : cand[r]) exact.emplace_back(exact_distance(qi, B + c.id * f, f), c.id);
        std::partial_sort(exact.begin(), exact.begin() + k, exact.end());  // by distance, then index
        for (int64_t j = 0; j < k; ++j) {
          out.ids[i * k + j] = exact[j].second;
          out.distances[i * k + j] = static_cast<float>(exact[j].first);
        }
      }
    }
  });
  return out;
}

inline void check_k(const char* fn, int64_t k, int64_t limit, const char* limit_what) {
  check<Error>(k >= 1 && k <= limit, fn, ": expected 1 <= k <= ", limit, " (", limit_what, "), found k = ", k);
}

inline void check_options(const char* fn, const NeighbourOptions& o) {
  check<Error>(o.query_block >= 1 && o.base_block >= 1, fn,
               ": expected query_block >= 1 and base_block >= 1, found query_block = ", o.query_block,
               ", base_block = ", o.base_block);
}

}  // namespace neighbours_detail

// Exact k nearest neighbours of every row of `features` [N, F] among the other rows (self
// excluded by index), nearest first, ties to the smaller index. Needs 1 <= k <= N - 1 and
// finite features with squared row norms below 1e36. For IC-GAN, L2-normalise the rows first
// (its features are).
inline Neighbours nearest_neighbours(const Tensor<float, cpu>& features, int64_t k, NeighbourOptions options = {}) {
  constexpr const char* fn = "nearest_neighbours";
  neighbours_detail::check_features(features, fn, "features");
  neighbours_detail::check_options(fn, options);
  const int64_t n = features.dim(0);
  neighbours_detail::check_k(fn, k, n - 1, "N - 1, the number of other samples");
  return neighbours_detail::search(features.data(), n, features.data(), n, features.dim(1), k, true, options);
}

// The k nearest rows of `base` [M, F] for every row of `queries` [N, F] (held-out instances):
// nothing is excluded, so a query that is also in the base finds itself at distance 0.
inline Neighbours nearest_neighbours(const Tensor<float, cpu>& queries, const Tensor<float, cpu>& base, int64_t k,
                                     NeighbourOptions options = {}) {
  constexpr const char* fn = "nearest_neighbours(queries, base)";
  neighbours_detail::check_features(queries, fn, "queries");
  neighbours_detail::check_features(base, fn, "base");
  check<ShapeError>(queries.dim(1) == base.dim(1), fn, ": expected queries and base with the same number of ",
                    "features, found shapes ", queries.shape(), " and ", base.shape());
  neighbours_detail::check_options(fn, options);
  neighbours_detail::check_k(fn, k, base.dim(0), "the number of rows of the base");
  return neighbours_detail::search(queries.data(), queries.dim(0), base.data(), base.dim(0), queries.dim(1), k,
                                   false, options);
}

// A safetensors file (written atomically): "ids" I64 [count, k] and "distances" F32
// [count, k], metadata "content" = "gantry.neighbours", "count", "k", "metric" = "squared_l2"
// and the caller's entries (for example a hash of the features); these may not reuse the
// four reserved keys.
inline void save_neighbours(const Neighbours& nn, const std::string& path,
                            const std::map<std::string, std::string>& metadata = {}) {
  const std::size_t size = static_cast<std::size_t>(nn.count * nn.k);
  check<Error>(nn.count >= 0 && nn.k >= 0 && nn.ids.size() == size && nn.distances.size() == size,
               "save_neighbours: expected ", nn.count, " x ", nn.k, " = ", size,
               " ids and distances, found ", nn.ids.size(), " ids and ", nn.distances.size(), " distances");
  io::SafetensorsWriter w;
  for (const auto& [key, value] : metadata) {
    check<Error>(key != "content" && key != "count" && key != "k" && key != "metric", "save_neighbours: metadata key '",
                 key, "' is reserved (content, count, k and metric are written by gantry)");
    w.metadata(key, value);
  }
  w.metadata("content", "gantry.neighbours")
      .metadata("count", std::to_string(nn.count))
      .metadata("k", std::to_string(nn.k))
      .metadata("metric", "squared_l2");
  w.add_ints("ids", nn.ids, std::vector<int64_t>{nn.count, nn.k});
  io::TensorFile file = w.contents();
  io::TensorEntry d;
  d.dtype = io::DType::F32;
  d.shape = {nn.count, nn.k};
  d.bytes.resize(size * sizeof(float));
  if (size) std::memcpy(d.bytes.data(), nn.distances.data(), d.bytes.size());
  file.tensors.emplace("distances", std::move(d));
  io::write_safetensors(path, file);
}

// Reads a file written by save_neighbours. Checks the tensors' dtypes and shapes against
// each other and against the metadata, and that ids are non-negative; FormatError names
// what was expected and found. `metadata`, if given, receives all entries (reserved ones too).
inline Neighbours load_neighbours(const std::string& path, std::map<std::string, std::string>* metadata = nullptr) {
  const io::TensorFile file = io::read_safetensors(path);
  const auto bad = [&](auto&&... a) { fail<FormatError>("load_neighbours: ", path, ": ", a...); };
  const io::TensorEntry& ids = file.entry("ids");
  const io::TensorEntry& dist = file.entry("distances");
  if (ids.dtype != io::DType::I64) bad("expected 'ids' of dtype I64, found ", io::dtype_name(ids.dtype));
  if (dist.dtype != io::DType::F32) bad("expected 'distances' of dtype F32, found ", io::dtype_name(dist.dtype));
  if (ids.shape.size() != 2) bad("expected 'ids' of shape [count, k], found ", io::detail::shape_str(ids.shape));
  if (dist.shape != ids.shape)
    bad("expected 'distances' of the shape of 'ids', ", io::detail::shape_str(ids.shape), ", found ",
        io::detail::shape_str(dist.shape));
  for (const char* key : {"count", "k"}) {
    auto it = file.metadata.find(key);
    const int64_t want = std::string(key) == "count" ? ids.shape[0] : ids.shape[1];
    if (it != file.metadata.end() && it->second != std::to_string(want))
      bad("metadata ", key, " = ", it->second, " disagrees with the shape ", io::detail::shape_str(ids.shape),
          " of 'ids' (expected ", want, ")");
  }
  Neighbours nn;
  nn.count = ids.shape[0];
  nn.k = ids.shape[1];
  nn.ids = file.get_ints("ids");
  for (std::size_t i = 0; i < nn.ids.size(); ++i)
    if (nn.ids[i] < 0)
      bad("expected non-negative ids, found ", nn.ids[i], " at row ", int64_t(i) / nn.k, ", column ",
          int64_t(i) % nn.k);
  nn.distances.resize(nn.ids.size());
  if (!nn.distances.empty()) std::memcpy(nn.distances.data(), dist.bytes.data(), dist.bytes.size());
  if (metadata) *metadata = file.metadata;
  return nn;
}

}  // namespace gantry::data
