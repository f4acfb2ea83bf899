#pragma once
// ImagePool: the history of generated images that CycleGAN and CSGAN show their
// discriminators (Shrivastava et al. 2017; pytorch-CycleGAN-and-pix2pix util/image_pool.py).
// query(batch), image by image: while the pool holds fewer than `capacity` images, the image
// is stored and returned; after that, with probability 0.5 a uniformly chosen stored image is
// returned and replaced by the new one, otherwise the new image is returned. Capacity 0
// returns the batch unchanged.
//
// Its state is a module's buffers, so a checkpoint stores it and a resume continues bit for
// bit: `images` [capacity, C, H, W] (rows past `count` are zero) and `count` [1].
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "../core/error.hpp"
#include "../core/philox.hpp"
#include "../core/tensor.hpp"
#include "../nn/framework/module.hpp"

namespace gantry::models {

template <class T>
class ImagePool {
 public:
  ImagePool(int64_t capacity, int64_t channels, int64_t height, int64_t width)
      : capacity_(capacity),
        images_(Tensor<T, cpu>::zeros(Shape{std::max<int64_t>(capacity, 0), channels, height, width})),
        count_(Tensor<T, cpu>::zeros(Shape{1})) {
    check(capacity >= 0, "ImagePool: the capacity must be >= 0, found ", capacity);
  }

  int64_t capacity() const { return capacity_; }
  int64_t size() const { return static_cast<int64_t>(count_.data()[0]); }

  // The images D sees for `batch` [B, C, H, W] (values copied; draws from rng only once full).
  Tensor<T, cpu> query(const Tensor<T, cpu>& batch, Rng& rng) {
    if (capacity_ == 0) return batch;
    const Shape& s = batch.shape();
    const Shape& p = images_.shape();
    check<ShapeError>(s.rank() == 4 && s[1] == p[1] && s[2] == p[2] && s[3] == p[3], "ImagePool: expected images [B, ",
                      p[1], ", ", p[2], ", ", p[3], "], found ", s);
    const int64_t per = s[1] * s[2] * s[3];
    Tensor<T, cpu> out(s);
    T* stored = images_.data();
    for (int64_t i = 0; i < s[0]; ++i) {
      const T* image = batch.data() + i * per;
      T* o = out.data() + i * per;
      const int64_t n = size();
      check(n >= 0 && n <= capacity_ && static_cast<T>(n) == count_.data()[0], "ImagePool: the stored count ",
            count_.data()[0], " is not a whole number in [0, ", capacity_, "] (a damaged checkpoint?)");
      if (n < capacity_) {
        std::memcpy(stored + n * per, image, sizeof(T) * static_cast<std::size_t>(per));
        count_.data()[0] = static_cast<T>(n + 1);
        std::memcpy(o, image, sizeof(T) * static_cast<std::size_t>(per));
      } else if (rng.uniform() > 0.5) {
        const int64_t k = std::min<int64_t>(static_cast<int64_t>(rng.uniform() * static_cast<double>(capacity_)),
                                            capacity_ - 1);
        std::memcpy(o, stored + k * per, sizeof(T) * static_cast<std::size_t>(per));
        std::memcpy(stored + k * per, image, sizeof(T) * static_cast<std::size_t>(per));
      } else {
        std::memcpy(o, image, sizeof(T) * static_cast<std::size_t>(per));
      }
    }
    return out;
  }

  void visit(ParamVisitor<T, cpu>& v, const std::string& prefix) {
    v.buffer(join_name(prefix, "images"), images_);
    v.buffer(join_name(prefix, "count"), count_);
  }

 private:
  int64_t capacity_;
  Tensor<T, cpu> images_;
  Tensor<T, cpu> count_;
};

}  // namespace gantry::models
