#include "arrays.h"

namespace engram::py {

std::string shape_str(const std::vector<pb::ssize_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

IdArray id_array(const pb::handle& obj, const char* name) {
  // Lists and tuples become arrays first; numpy picks int64 for Python ints.
  pb::array a = pb::array::ensure(obj);
  if (!a) throw pb::type_error(std::string(name) + ": expected an integer array, got " +
                               std::string(pb::str(obj.get_type().attr("__name__"))));
  const char kind = a.dtype().kind();
  if (kind != 'i' && kind != 'u')
    throw pb::type_error(std::string(name) + ": expected an integer array, got dtype " +
                         std::string(pb::str(a.dtype())));
  if (!(a.flags() & pb::array::c_style))
    throw pb::value_error(std::string(name) +
                          ": the array is not C-contiguous (pass np.ascontiguousarray(x) or x.contiguous())");
  if (kind == 'u' && a.itemsize() == 8) {
    // uint64 above INT64_MAX would wrap in a cast: check before widening.
    auto u = pb::array_t<uint64_t>::ensure(a);
    const uint64_t* p = u.data();
    for (pb::ssize_t i = 0; i < u.size(); ++i)
      if (p[i] > static_cast<uint64_t>(INT64_MAX))
        throw pb::value_error(std::string(name) + ": id " + std::to_string(p[i]) + " at position " +
                              std::to_string(i) + " is out of range");
  }
  IdArray out;
  out.arr = pb::array_t<int64_t, pb::array::c_style | pb::array::forcecast>::ensure(a);
  out.shape.assign(a.shape(), a.shape() + a.ndim());
  return out;
}

std::vector<uint64_t> row_ids(const IdArray& ids, const char* name, uint64_t n_rows, const std::string& table) {
  auto v = ids.values();
  std::vector<uint64_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] < 0)
      throw pb::value_error(std::string(name) + ": row id " + std::to_string(v[i]) + " at position " +
                            std::to_string(i) + " is negative");
    out[i] = static_cast<uint64_t>(v[i]);
    if (out[i] >= n_rows)
      throw Error(std::string(name) + ": row " + std::to_string(out[i]) + " at position " + std::to_string(i) +
                  " is beyond " + table + " (" + std::to_string(n_rows) + " rows)");
  }
  return out;
}

}  // namespace engram::py
