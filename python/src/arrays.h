// Conversions between Python arrays (numpy, or anything numpy can view: lists, CPU torch
// tensors) and the spans the engine takes. Inputs are checked, never coerced silently: a
// non-integer id array, a non-contiguous array or a wrong shape raises TypeError or
// ValueError naming the argument. Integer arrays of another width are widened to int64
// (a copy); int64 C-contiguous arrays are read in place.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engram/error.h"

namespace engram::py {

namespace pb = pybind11;

// An integer id array, read as int64 (in place when it already is). `name` goes into errors.
struct IdArray {
  pb::array_t<int64_t> arr;  // keeps the data alive
  std::vector<pb::ssize_t> shape;
  std::span<const int64_t> values() const {
    return {arr.data(), static_cast<size_t>(arr.size())};
  }
};
IdArray id_array(const pb::handle& obj, const char* name);

// Row ids for a table of `n_rows` rows: a negative id raises ValueError and one >= n_rows
// engram.Error, each naming its position and `table` (never wrapped or clamped); as uint64.
// The default n_rows leaves the bound to the store, which checks it itself.
std::vector<uint64_t> row_ids(const IdArray& ids, const char* name, uint64_t n_rows = UINT64_MAX,
                              const std::string& table = "the table");

// A new numpy array that owns `v` (no copy), with `shape`.
template <typename T>
pb::array_t<T> to_numpy(std::vector<T>&& v, std::vector<pb::ssize_t> shape) {
  auto* heap = new std::vector<T>(std::move(v));
  pb::capsule owner(heap, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return pb::array_t<T>(shape, heap->data(), owner);
}

// Whether `a` holds T values (byte order and descriptor identity aside: '<f4' is float32).
template <typename T>
bool is_dtype(const pb::array& a) {
  return pb::isinstance<pb::array_t<T>>(a);
}

// "[2, 3]" for messages.
std::string shape_str(const std::vector<pb::ssize_t>& shape);

}  // namespace engram::py
