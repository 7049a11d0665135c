// Tables, their stores and the prefetcher. gather() writes float32 (numpy, or a CPU torch
// tensor) or bfloat16 (a torch tensor); the destination is checked (dtype, shape,
// contiguity, device) before anything is read. A closed table raises on every call.
// The prefetcher is the engine's internal one (memory/prefetcher.h): the public API has
// no prefetcher yet, and the binding needs its tickets' staging buffers.
#include <pybind11/stl.h>

#include <deque>
#include <memory>
#include <string>

#include "arrays.h"
#include "core/bf16.h"
#include "engram/layer.h"
#include "engram/store.h"
#include "memory/prefetcher.h"

namespace engram::py {
namespace {

// A table that can be closed: every call checks it is still open.
struct PyTable {
  std::shared_ptr<Table> t;  // shared with prefetchers, whose jobs may still read it
  std::string path;
  bool writable = false;
  Table& get() const {
    if (!t) throw Error("table " + path + " is closed");
    return *t;
  }
  void close() {
    if (t && writable) t->flush();  // rows scattered since the last flush are not lost
    t.reset();
  }
};

// Where gather() writes: a numpy float32 array, or a CPU torch tensor (float32/bfloat16).
struct Dest {
  pb::object owner;  // what the caller gets back
  void* data = nullptr;
  bool bf16 = false;
};

bool is_torch_tensor(const pb::handle& o) {
  pb::handle t = o.get_type();
  return pb::hasattr(t, "__module__") && pb::str(t.attr("__module__")).cast<std::string>().rfind("torch", 0) == 0 &&
         pb::hasattr(o, "data_ptr");
}

std::vector<pb::ssize_t> want_shape(const IdArray& ids, uint32_t dim) {
  std::vector<pb::ssize_t> s = ids.shape;
  s.push_back(dim);
  return s;
}

Dest dest_for(const pb::object& out, const std::string& dtype, const std::vector<pb::ssize_t>& shape) {
  Dest d;
  const bool want_bf16 = dtype == "bfloat16" || dtype == "bf16";
  if (!want_bf16 && dtype != "float32" && dtype != "f32")
    throw pb::value_error("dtype must be 'float32' or 'bfloat16', got '" + dtype + "'");
  if (out.is_none()) {
    if (!want_bf16) {
      pb::array_t<float> a(shape);
      d.data = a.mutable_data();
      d.owner = a;
      return d;
    }
    pb::module_ torch = pb::module_::import("torch");
    d.owner = torch.attr("empty")(pb::tuple(pb::cast(shape)), pb::arg("dtype") = torch.attr("bfloat16"));
    d.data = reinterpret_cast<void*>(d.owner.attr("data_ptr")().cast<uintptr_t>());
    d.bf16 = true;
    return d;
  }
  std::vector<pb::ssize_t> got;
  if (is_torch_tensor(out)) {
    const std::string dt = pb::str(out.attr("dtype"));
    if (dt != "torch.float32" && dt != "torch.bfloat16")
      throw pb::type_error("out: expected a float32 or bfloat16 tensor, got " + dt);
    if (pb::str(out.attr("device").attr("type")).cast<std::string>() != "cpu")
      throw pb::value_error("out: the tensor must be on the CPU, got device " + std::string(pb::str(out.attr("device"))));
    if (!out.attr("is_contiguous")().cast<bool>()) throw pb::value_error("out: the tensor is not contiguous");
    if (out.attr("requires_grad").cast<bool>())
      throw pb::value_error("out: the tensor requires grad (gather into a plain buffer)");
    for (auto s : out.attr("shape")) got.push_back(s.cast<pb::ssize_t>());
    d.bf16 = dt == "torch.bfloat16";
    d.data = reinterpret_cast<void*>(out.attr("data_ptr")().cast<uintptr_t>());
  } else if (pb::isinstance<pb::array>(out)) {
    pb::array a = out.cast<pb::array>();
    if (!is_dtype<float>(a))
      throw pb::type_error("out: expected a float32 array, got dtype " + std::string(pb::str(a.dtype())));
    if (!(a.flags() & pb::array::c_style)) throw pb::value_error("out: the array is not C-contiguous");
    if (!a.writeable()) throw pb::value_error("out: the array is read-only");
    got.assign(a.shape(), a.shape() + a.ndim());
    d.data = a.mutable_data();
  } else {
    throw pb::type_error("out: expected a numpy array or a torch tensor");
  }
  if (got != shape) throw pb::value_error("out: expected shape " + shape_str(shape) + ", got " + shape_str(got));
  d.owner = out;
  return d;
}

// Rows of `ids` into the destination; bfloat16 rounds (nearest even) from the decoded f32.
void gather_into(Table& t, std::span<const uint64_t> ids, const Dest& d) {
  if (!d.bf16) {
    t.gather(ids, static_cast<float*>(d.data));
    return;
  }
  const size_t dim = t.dim(), chunk = 4096;
  std::vector<float> tmp(std::min(ids.size(), chunk) * dim);
  auto* o = static_cast<uint16_t*>(d.data);
  for (size_t i = 0; i < ids.size(); i += chunk) {
    const size_t n = std::min(chunk, ids.size() - i);
    t.gather(ids.subspan(i, n), tmp.data());
    for (size_t k = 0; k < n * dim; ++k) o[i * dim + k] = f32_to_bf16(tmp[k]);
  }
}

// The prefetcher of one table. Tickets keep the state alive: the engine's rule that every
// ticket dies before its prefetcher then holds whatever order Python frees them in.
struct PrefetchState {
  std::shared_ptr<Table> table;
  std::unique_ptr<Prefetcher> pf;
};

struct PyTicket {
  std::shared_ptr<PrefetchState> st;  // declared first: destroyed after the ticket
  Prefetcher::Ticket ticket;
  std::vector<pb::ssize_t> shape;
  bool done = false;
  pb::array_t<float> wait() {
    if (done) throw Error("this prefetch ticket was already waited on");
    std::span<const float> rows;
    {
      pb::gil_scoped_release nogil;
      rows = ticket.wait();
    }
    pb::array_t<float> out(shape);
    std::copy(rows.begin(), rows.end(), out.mutable_data());
    ticket.release();
    done = true;
    return out;
  }
};

struct PyPrefetcher {
  std::shared_ptr<PrefetchState> st;
  pb::object table_obj;  // the Python table: checked open at every submit
  std::deque<std::shared_ptr<PyTicket>> pending;

  std::shared_ptr<PyTicket> submit(const pb::object& ids_obj) {
    const PyTable& pt = table_obj.cast<const PyTable&>();
    Table& t = pt.get();
    IdArray ids = id_array(ids_obj, "row_ids");
    auto tk = std::make_shared<PyTicket>();
    tk->st = st;
    tk->shape = want_shape(ids, t.dim());
    std::vector<uint64_t> r = row_ids(ids, "row_ids", t.rows(), "the table " + pt.path);
    {
      pb::gil_scoped_release nogil;  // submit blocks while the staging budget is full
      tk->ticket = st->pf->submit(t.store(), std::move(r));
    }
    pending.push_back(tk);
    return tk;
  }
  // Tickets already waited on directly leave the queue.
  void drop_done() {
    while (!pending.empty() && pending.front()->done) pending.pop_front();
  }
  size_t n_pending() {
    drop_done();
    size_t n = 0;
    for (auto& t : pending) n += !t->done;
    return n;
  }
  pb::array_t<float> wait() {
    drop_done();
    if (pending.empty()) throw Error("nothing to wait for: submit() row ids first");
    auto tk = pending.front();
    pending.pop_front();
    return tk->wait();
  }
};

}  // namespace

void bind_layer(pb::module_& m) {
  pb::class_<Layer>(m, "Layer", "One Engram layer (inference) loaded from the demo's config fields and state_dict.")
      .def_static(
          "load",
          [](const std::string& config, const std::string& weights, int threads) {
            pb::gil_scoped_release nogil;
            return Layer::load(config, weights, threads);
          },
          pb::arg("config"), pb::arg("weights"), pb::arg("threads") = 0,
          "config: JSON with the demo's Engram fields plus layer_id, hidden_size, hc_mult (kernel_size); "
          "weights: safetensors under the demo module's state_dict names.")
      .def_property_readonly("layer_id", &Layer::layer_id)
      .def_property_readonly("hidden_size", &Layer::hidden_size)
      .def_property_readonly("hc_mult", &Layer::hc_mult)
      .def_property_readonly("columns", &Layer::columns)
      .def_property_readonly("hash_config", &Layer::hash_config)
      .def(
          "forward",
          [](const Layer& l, const pb::object& hidden, const pb::object& rows_obj) {
            auto h = pb::array::ensure(hidden);
            if (!h || !is_dtype<float>(h))
              throw pb::type_error("hidden: expected a float32 array [B, T, hc_mult, hidden_size]");
            if (!(h.flags() & pb::array::c_style)) throw pb::value_error("hidden: the array is not C-contiguous");
            if (h.ndim() != 4 || h.shape(2) != l.hc_mult() || h.shape(3) != l.hidden_size())
              throw pb::value_error("hidden: expected shape [B, T, " + std::to_string(l.hc_mult()) + ", " +
                                    std::to_string(l.hidden_size()) + "], got " +
                                    shape_str(std::vector<pb::ssize_t>(h.shape(), h.shape() + h.ndim())));
            IdArray rows = id_array(rows_obj, "rows");
            const pb::ssize_t B = h.shape(0), T = h.shape(1);
            if (rows.shape != std::vector<pb::ssize_t>{B, T, l.columns()})
              throw pb::value_error("rows: expected shape " + shape_str({B, T, l.columns()}) + ", got " +
                                    shape_str(rows.shape));
            const auto* hp = static_cast<const float*>(h.data());
            Layer::Output o;
            {
              pb::gil_scoped_release nogil;
              o = l.forward(std::span<const float>(hp, static_cast<size_t>(h.size())), rows.values(), B, T);
            }
            return pb::make_tuple(to_numpy(std::move(o.y), {B, T, l.hc_mult(), l.hidden_size()}),
                                  to_numpy(std::move(o.gates), {B, T, l.hc_mult()}));
          },
          pb::arg("hidden"), pb::arg("rows"),
          "hidden [B, T, hc_mult, hidden_size] float32, rows [B, T, columns] head-local row ids of this layer "
          "(NgramHasher.hash(...)[layer_id]) -> (output [B, T, hc_mult, hidden_size], gates [B, T, hc_mult]).");
}

void bind_tables(pb::module_& m) {
  bind_layer(m);
  m.def("store_kinds", [] { return std::string(store_kinds()); }, "The store kinds: 'ram, mmap, pread, ssd'.");

  m.def(
      "create_table",
      [](const std::string& path, const HashConfig& cfg, int layer_id, const std::string& dtype,
         const pb::object& rows, uint64_t seed) {
        if (rows.is_none()) {
          pb::gil_scoped_release nogil;
          create_table(path, cfg, layer_id, dtype, nullptr, seed);
          return;
        }
        auto a = pb::array::ensure(rows);
        if (!a || !is_dtype<float>(a))
          throw pb::type_error("rows: expected a float32 array [total_rows, head_dim]");
        if (!(a.flags() & pb::array::c_style)) throw pb::value_error("rows: the array is not C-contiguous");
        const auto sizes = cfg.table_sizes()[cfg.layer_index(layer_id)];
        int64_t total = 0;
        for (int64_t s : sizes) total += s;
        std::vector<pb::ssize_t> want{total, cfg.head_dim()}, got(a.shape(), a.shape() + a.ndim());
        if (got != want) throw pb::value_error("rows: expected shape " + shape_str(want) + ", got " + shape_str(got));
        const float* p = static_cast<const float*>(a.data());
        pb::gil_scoped_release nogil;
        create_table(path, cfg, layer_id, dtype, p, seed);
      },
      pb::arg("path"), pb::arg("config"), pb::arg("layer_id"), pb::arg("dtype") = "f32", pb::arg("rows") = pb::none(),
      pb::arg("seed") = 0,
      "Writes layer layer_id's stacked table atomically: rows [total_rows, head_dim] float32, or the "
      "deterministic unit-variance init of seed. dtype: f32 | bf16 | fp8 | int8.");

  pb::class_<PyTable>(m, "Table", "An Engram table file served by a store (ram, mmap, pread, ssd).")
      .def_static(
          "open",
          [](const std::string& path, const std::string& store, double cache_mb, unsigned queue_depth, bool writable) {
            StoreOptions o;
            o.kind = store;
            o.cache_mb = cache_mb;
            o.queue_depth = queue_depth;
            o.writable = writable;
            PyTable pt;
            pt.path = path;
            pt.writable = writable;
            pb::gil_scoped_release nogil;
            pt.t = std::make_shared<Table>(Table::open(path, o));
            return pt;
          },
          pb::arg("path"), pb::arg("store") = "mmap", pb::arg("cache_mb") = 0.0, pb::arg("queue_depth") = 32,
          pb::arg("writable") = false, "Opens and validates a table file; the store serves its rows.")
      .def_property_readonly("rows", [](const PyTable& t) { return t.get().rows(); })
      .def_property_readonly("dim", [](const PyTable& t) { return t.get().dim(); })
      .def_property_readonly("dtype", [](const PyTable& t) { return t.get().dtype(); })
      .def_property_readonly("kind", [](const PyTable& t) { return t.get().kind(); })
      .def_property_readonly("layer_id", [](const PyTable& t) { return t.get().layer_id(); })
      .def_property_readonly("fingerprint", [](const PyTable& t) { return t.get().fingerprint(); })
      .def_property_readonly("path", [](const PyTable& t) { return t.path; })
      .def_property_readonly("closed", [](const PyTable& t) { return !t.t; })
      .def(
          "gather",
          [](const PyTable& pt, const pb::object& ids_obj, const pb::object& out, const std::string& dtype) {
            Table& t = pt.get();
            IdArray ids = id_array(ids_obj, "row_ids");
            std::vector<uint64_t> r = row_ids(ids, "row_ids");
            Dest d = dest_for(out, out.is_none() ? dtype : std::string("float32"), want_shape(ids, t.dim()));
            {
              pb::gil_scoped_release nogil;
              gather_into(t, r, d);
            }
            return d.owner;
          },
          pb::arg("row_ids"), pb::arg("out") = pb::none(), pb::arg("dtype") = "float32",
          "Rows of row_ids (any shape, global row ids) -> [..., dim]: a new float32 numpy array, a new "
          "bfloat16 torch tensor (dtype='bfloat16'), or written into out (float32 numpy, float32/bfloat16 "
          "CPU torch tensor, C-contiguous).")
      .def(
          "scatter",
          [](PyTable& pt, const pb::object& ids_obj, const pb::object& rows) {
            Table& t = pt.get();
            IdArray ids = id_array(ids_obj, "row_ids");
            std::vector<uint64_t> r = row_ids(ids, "row_ids");
            auto a = pb::array::ensure(rows);
            if (!a || !is_dtype<float>(a)) throw pb::type_error("rows: expected a float32 array");
            if (!(a.flags() & pb::array::c_style)) throw pb::value_error("rows: the array is not C-contiguous");
            std::vector<pb::ssize_t> want = want_shape(ids, t.dim()), got(a.shape(), a.shape() + a.ndim());
            if (got != want) throw pb::value_error("rows: expected shape " + shape_str(want) + ", got " + shape_str(got));
            const float* p = static_cast<const float*>(a.data());
            pb::gil_scoped_release nogil;
            t.scatter(r, p);
          },
          pb::arg("row_ids"), pb::arg("rows"), "Rewrites rows (a table opened writable=True).")
      .def("flush", [](PyTable& pt) { pt.get().flush(); }, "Makes rewritten rows durable.")
      .def("close", &PyTable::close, "Flushes a writable table and releases it; later calls raise.")
      .def("__enter__", [](pb::object self) { return self; })
      .def("__exit__", [](PyTable& pt, pb::args) { pt.close(); })
      .def("__repr__", [](const PyTable& pt) {
        if (!pt.t) return "engram.Table('" + pt.path + "', closed)";
        return "engram.Table('" + pt.path + "', " + std::to_string(pt.t->rows()) + " rows x " +
               std::to_string(pt.t->dim()) + " " + pt.t->dtype() + ", " + pt.t->kind() + ")";
      });

  pb::class_<PyTicket, std::shared_ptr<PyTicket>>(m, "PrefetchTicket", "One queued gather.")
      .def("wait", &PyTicket::wait, "Blocks until the rows are ready: float32 [..., dim]. Once per ticket.")
      .def("ready", [](const PyTicket& t) { return t.done || t.ticket.ready(); });

  pb::class_<PyPrefetcher>(m, "Prefetcher",
                           "Gathers rows of one table on background threads, ahead of use: submit() the next "
                           "batch's row ids, compute this one, then wait().")
      .def(pb::init([](const pb::object& table, double budget_mb, unsigned threads) {
             const PyTable& pt = table.cast<const PyTable&>();
             pt.get();
             if (!(budget_mb > 0)) throw Error("budget_mb must be > 0, got " + std::to_string(budget_mb));
             if (threads < 1 || threads > 64) throw Error("threads must be in [1, 64], got " + std::to_string(threads));
             PyPrefetcher p;
             p.st = std::make_shared<PrefetchState>();
             p.st->table = pt.t;
             Prefetcher::Options o;
             o.budget_bytes = static_cast<size_t>(budget_mb * 1048576.0);
             o.threads = threads;
             p.st->pf = std::make_unique<Prefetcher>(o);
             p.table_obj = table;
             return p;
           }),
           pb::arg("table"), pb::arg("budget_mb") = 64.0, pb::arg("threads") = 1)
      .def("submit", &PyPrefetcher::submit, pb::arg("row_ids"),
           "Queues a gather of row_ids (blocks while the staging budget is full); returns its ticket.")
      .def("wait", &PyPrefetcher::wait, "The rows of the oldest submit() not yet waited on.")
      .def_property_readonly("pending", &PyPrefetcher::n_pending, "Submits not yet waited on.");
}

}  // namespace engram::py
