// TrainableTable: an Engram table being trained from Python. Its values and both Adam
// moments are three table files in a memory tier (train/store_table.h, what `engram train
// --tables` uses), read and rewritten a hit row at a time, so a table larger than RAM trains
// from SSD. adam_step() is the engine's lazy Adam (train::adam_row): only the rows given
// move, bias correction by the global step. Reaches below the public API (train/, memory/):
// the public API has no trainable-table type yet.
#include <pybind11/stl.h>

#include <memory>
#include <random>
#include <string>
#include <unordered_set>

#include "arrays.h"
#include "engram/hash_config.h"
#include "memory/table_config.h"
#include "train/optimizer.h"
#include "train/store_table.h"

namespace engram::py {
namespace {

struct PyTrainableTable {
  std::shared_ptr<train::StoreTable> t;
  std::string dir;
  uint64_t rows = 0;
  uint32_t dim = 0;
  std::vector<float> w, m, v;  // hit-row scratch
  train::StoreTable& get() const {
    if (!t) throw Error("trainable table in " + dir + " is closed");
    return *t;
  }
};

std::vector<int64_t> distinct_rows(const IdArray& ids, uint64_t n_rows, const char* name) {
  std::vector<uint64_t> r = row_ids(ids, name, n_rows);
  std::unordered_set<uint64_t> seen;
  seen.reserve(r.size());
  for (size_t i = 0; i < r.size(); ++i) {
    if (!seen.insert(r[i]).second)
      throw Error(std::string(name) + ": row " + std::to_string(r[i]) + " appears twice (position " +
                  std::to_string(i) + "); sum its gradients first");
  }
  return {r.begin(), r.end()};
}

}  // namespace

void bind_train(pb::module_& m) {
  pb::class_<PyTrainableTable>(m, "TrainableTable",
                               "An Engram table trained by the engine's lazy Adam; values and moments in a memory tier.")
      .def_static(
          "create",
          [](const std::string& dir, const HashConfig& cfg, int layer_id, const std::string& store, double cache_mb,
             const pb::object& values, double std_dev, uint64_t seed) {
            cfg.validate("config");
            const TableSpec spec = table_spec_for(cfg, layer_id, RowDtype::kF32);
            const TableInfo info = plan_table(spec);
            train::TableStoreOptions o;
            o.kind = store;
            o.cache_mb = cache_mb;
            o.dir = dir;
            model::ValueSource src;
            pb::array_t<float> keep;
            if (!values.is_none()) {
              auto a = pb::array::ensure(values);
              if (!a || !is_dtype<float>(a))
                throw pb::type_error("values: expected a float32 array [rows, dim]");
              if (!(a.flags() & pb::array::c_style)) throw pb::value_error("values: the array is not C-contiguous");
              const std::vector<pb::ssize_t> want{static_cast<pb::ssize_t>(info.n_rows), info.dim},
                  got(a.shape(), a.shape() + a.ndim());
              if (got != want) throw pb::value_error("values: expected shape " + shape_str(want) + ", got " + shape_str(got));
              keep = a.cast<pb::array_t<float>>();
              src = [p = keep.data(), at = size_t{0}](float* out, size_t n) mutable {
                std::copy_n(p + at, n, out);
                at += n;
              };
            } else {
              if (!(std_dev >= 0)) throw Error("std must be >= 0, got " + std::to_string(std_dev));
              src = [g = std::mt19937_64(seed), d = std::normal_distribution<float>(0.0f, static_cast<float>(std_dev))](
                        float* out, size_t n) mutable {
                for (size_t i = 0; i < n; ++i) out[i] = d(g);
              };
            }
            PyTrainableTable t;
            t.dir = dir;
            t.rows = info.n_rows;
            t.dim = info.dim;
            pb::gil_scoped_release nogil;
            t.t = train::StoreTable::create(o, "layer" + std::to_string(layer_id), spec, src);
            return t;
          },
          pb::arg("dir"), pb::arg("config"), pb::arg("layer_id"), pb::arg("store") = "ram", pb::arg("cache_mb") = 0.0,
          pb::arg("values") = pb::none(), pb::arg("std") = 1.0, pb::arg("seed") = 0,
          "Writes <dir>/layer<L>.{value,adam_m,adam_v}.engt (values from `values` [rows, dim] float32, "
          "else N(0, std^2) from `seed`; zero moments) and opens them in the store.")
      .def_property_readonly("rows", [](const PyTrainableTable& t) {
        t.get();  // raises when closed
        return t.rows;
      })
      .def_property_readonly("dim", [](const PyTrainableTable& t) {
        t.get();
        return t.dim;
      })
      .def_property_readonly("describe", [](const PyTrainableTable& t) { return t.get().describe(); })
      .def(
          "read",
          [](PyTrainableTable& t, const pb::object& ids_obj) {
            auto& st = t.get();
            IdArray ids = id_array(ids_obj, "row_ids");
            std::vector<uint64_t> r = row_ids(ids, "row_ids", t.rows);
            std::vector<int64_t> rows(r.begin(), r.end());
            std::vector<pb::ssize_t> shape = ids.shape;
            shape.push_back(t.dim);
            pb::array_t<float> out(shape);
            float* p = out.mutable_data();
            pb::gil_scoped_release nogil;
            st.read(rows, p);
            return out;
          },
          pb::arg("row_ids"), "Current values of rows (any shape) -> float32 [..., dim].")
      .def(
          "adam_step",
          [](PyTrainableTable& t, const pb::object& ids_obj, const pb::object& grads, float lr, int64_t step, float beta1,
             float beta2, float eps) {
            auto& st = t.get();
            IdArray ids = id_array(ids_obj, "row_ids");
            if (ids.shape.size() != 1) throw pb::value_error("row_ids: expected a 1-D array of distinct rows");
            std::vector<int64_t> rows = distinct_rows(ids, t.rows, "row_ids");
            auto g = pb::array::ensure(grads);
            if (!g || !is_dtype<float>(g)) throw pb::type_error("grads: expected a float32 array");
            if (!(g.flags() & pb::array::c_style)) throw pb::value_error("grads: the array is not C-contiguous");
            const std::vector<pb::ssize_t> want{static_cast<pb::ssize_t>(rows.size()), t.dim},
                got(g.shape(), g.shape() + g.ndim());
            if (got != want) throw pb::value_error("grads: expected shape " + shape_str(want) + ", got " + shape_str(got));
            if (step < 1) throw Error("step must be >= 1 (the global step, counted from 1), got " + std::to_string(step));
            const float* gp = static_cast<const float*>(g.data());
            pb::gil_scoped_release nogil;
            const size_t n = rows.size(), W = t.dim;
            t.w.resize(n * W);
            t.m.resize(n * W);
            t.v.resize(n * W);
            st.read_state(rows, t.w.data(), t.m.data(), t.v.data());
            const double s = static_cast<double>(step);
            const float c1 = static_cast<float>(1.0 - std::pow(beta1, s)), c2 = static_cast<float>(1.0 - std::pow(beta2, s));
            for (size_t r = 0; r < n; ++r)
              train::adam_row(t.w.data() + r * W, t.m.data() + r * W, t.v.data() + r * W, gp + r * W,
                              static_cast<int64_t>(W), lr, beta1, beta2, c1, c2, eps);
            st.write_state(rows, t.w.data(), t.m.data(), t.v.data());
          },
          pb::arg("row_ids"), pb::arg("grads"), pb::kw_only(), pb::arg("lr"), pb::arg("step"), pb::arg("beta1") = 0.9f,
          pb::arg("beta2") = 0.999f, pb::arg("eps") = 1e-8f,
          "Lazy Adam on distinct rows [n] with their summed gradients [n, dim] at global step `step` (from 1).")
      .def("flush", [](PyTrainableTable& t) { t.get().flush(); }, "Writes everything back, durably.")
      .def("close", [](PyTrainableTable& t) {
        if (t.t) t.t->flush();
        t.t.reset();
      }, "Flushes and releases the files; later calls raise.");
}

}  // namespace engram::py
