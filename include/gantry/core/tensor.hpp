#pragma once
// Tensor<T, Device>: a dynamic-shape, contiguous, row-major (NCHW) array with shared,
// reference-counted, 64-byte-aligned storage. Copies share storage (like PyTorch);
// clone() copies the data. Views (reshape, batch slices) share storage at an offset.
#include <cstring>
#include <initializer_list>
#include <memory>
#include <type_traits>
#include <vector>

#include "allocator.hpp"
#include "device.hpp"
#include "error.hpp"
#include "shape.hpp"
#include "storage.hpp"

namespace gantry {

template <>
struct DeviceMemory<cpu> {
  static std::shared_ptr<Storage> allocate(std::size_t bytes) {
    void* p = HostAllocator::instance().allocate(bytes);
    return std::make_shared<Storage>(p, bytes, [](void* q, std::size_t n) {
      HostAllocator::instance().deallocate(q, n);
    });
  }
  // An empty tensor or vector may have a null pointer, which memcpy may not be given even for
  // 0 bytes (UBSan's nonnull-attribute): nothing to do then.
  static void copy_from_host(void* dst, const void* src, std::size_t bytes) { copy(dst, src, bytes); }
  static void copy_to_host(void* dst, const void* src, std::size_t bytes) { copy(dst, src, bytes); }
  static void copy(void* dst, const void* src, std::size_t bytes) {
    if (bytes != 0) std::memcpy(dst, src, bytes);
  }
  static void fill_zero(void* dst, std::size_t bytes) {
    if (bytes != 0) std::memset(dst, 0, bytes);
  }
};

template <class T, class D = cpu>
class Tensor {
  static_assert(Scalar<T>, "gantry: Tensor<T, Device> holds float or double");
  static_assert(Device<D>, "gantry: the device of a Tensor is gantry::cpu or gantry::cuda");
  static_assert(device_usable<D>,
                "gantry: Tensor<T, cuda> is used in a translation unit built without CUDA. "
                "Configure with -DGANTRY_CUDA=ON, link gantry::cuda and compile this file with nvcc "
                "(a .cu file), or use gantry::cpu.");

 public:
  using value_type = T;
  using device_type = D;

  Tensor() = default;
  // Uninitialised tensor of the given shape.
  explicit Tensor(const Shape& shape) : shape_(shape) {
    storage_ = DeviceMemory<D>::allocate(static_cast<std::size_t>(shape.numel()) * sizeof(T));
  }

  static Tensor empty(const Shape& shape) { return Tensor(shape); }
  static Tensor zeros(const Shape& shape) {
    Tensor t(shape);
    DeviceMemory<D>::fill_zero(t.data(), t.bytes());
    return t;
  }
  // From host values (copied to the device if needed).
  static Tensor from(const Shape& shape, const T* values) {
    Tensor t(shape);
    DeviceMemory<D>::copy_from_host(t.data(), values, t.bytes());
    return t;
  }
  static Tensor from(const Shape& shape, const std::vector<T>& values) {
    check<ShapeError>(static_cast<int64_t>(values.size()) == shape.numel(), "Tensor::from: shape ", shape,
                      " needs ", shape.numel(), " values, found ", values.size());
    return from(shape, values.data());
  }
  static Tensor from(const Shape& shape, std::initializer_list<T> values) {
    return from(shape, std::vector<T>(values));
  }
  // A 1-D tensor of the values.
  static Tensor from(const std::vector<T>& values) {
    return from(Shape{static_cast<int64_t>(values.size())}, values);
  }

  bool defined() const { return static_cast<bool>(storage_); }
  const Shape& shape() const { return shape_; }
  int rank() const { return shape_.rank(); }
  int64_t dim(int axis) const { return shape_.dim(axis); }
  int64_t numel() const { return shape_.numel(); }
  std::size_t bytes() const { return static_cast<std::size_t>(numel()) * sizeof(T); }

  T* data() { return storage_ ? static_cast<T*>(storage_->ptr) + offset_ : nullptr; }
  const T* data() const { return storage_ ? static_cast<const T*>(storage_->ptr) + offset_ : nullptr; }
  // True when both tensors view the same memory block.
  bool shares_storage(const Tensor& o) const { return storage_ == o.storage_; }
  long use_count() const { return storage_.use_count(); }

  // Same data, new shape (a view). The element count must match; one dimension may be -1.
  Tensor reshape(std::vector<int64_t> dims) const {
    int64_t known = 1;
    int infer = -1;
    for (std::size_t i = 0; i < dims.size(); ++i) {
      if (dims[i] == -1) {
        check<ShapeError>(infer < 0, "reshape: more than one -1 in the target shape");
        infer = static_cast<int>(i);
      } else {
        known *= dims[i];
      }
    }
    if (infer >= 0 && known > 0) dims[static_cast<std::size_t>(infer)] = numel() / known;
    Shape s(dims);
    check<ShapeError>(s.numel() == numel(), "reshape: cannot view shape ", shape_, " (", numel(),
                      " elements) as ", s, " (", s.numel(), " elements)");
    Tensor t = *this;
    t.shape_ = s;
    return t;
  }

  // Rows [begin, end) of the first axis, as a view (a batch slice).
  Tensor narrow0(int64_t begin, int64_t end) const {
    check<ShapeError>(rank() >= 1 && 0 <= begin && begin <= end && end <= shape_[0], "narrow0: rows [", begin,
                      ", ", end, ") are out of range for shape ", shape_);
    Tensor t = *this;
    t.shape_[0] = end - begin;
    t.offset_ += static_cast<std::size_t>(begin * shape_.stride(0));
    return t;
  }

  Tensor clone() const {
    Tensor t(shape_);
    DeviceMemory<D>::copy(t.data(), data(), bytes());
    return t;
  }

  // Host copy of the values (works on every device).
  std::vector<T> to_vector() const {
    std::vector<T> v(static_cast<std::size_t>(numel()));
    DeviceMemory<D>::copy_to_host(v.data(), data(), bytes());
    return v;
  }

  // Element access on the host, row-major. Only for cpu tensors.
  T& operator[](int64_t i) requires std::is_same_v<D, cpu> { return data()[i]; }
  const T& operator[](int64_t i) const requires std::is_same_v<D, cpu> { return data()[i]; }
  template <class... I>
  T& at(I... idx) requires std::is_same_v<D, cpu> { return data()[flat_index(idx...)]; }
  template <class... I>
  const T& at(I... idx) const requires std::is_same_v<D, cpu> { return data()[flat_index(idx...)]; }
  // The single value of a one-element tensor.
  T item() const {
    check<ShapeError>(numel() == 1, "item: needs a tensor with one element, found shape ", shape_);
    return to_vector()[0];
  }

 private:
  template <class... I>
  int64_t flat_index(I... idx) const {
    static_assert(sizeof...(I) <= max_rank);
    check<ShapeError>(static_cast<int>(sizeof...(I)) == rank(), "at: ", sizeof...(I),
                      " indices for a tensor of shape ", shape_);
    const int64_t ids[] = {static_cast<int64_t>(idx)...};
    int64_t flat = 0;
    for (int i = 0; i < rank(); ++i) {
      check<ShapeError>(ids[i] >= 0 && ids[i] < shape_[i], "at: index ", ids[i], " out of range for axis ", i,
                        " of shape ", shape_);
      flat = flat * shape_[i] + ids[i];
    }
    return flat;
  }

  std::shared_ptr<Storage> storage_;
  Shape shape_;
  std::size_t offset_ = 0;  // in elements
};

template <class T>
using HostTensor = Tensor<T, cpu>;

}  // namespace gantry
