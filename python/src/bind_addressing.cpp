// Tokenizer, Compression, HashConfig and NgramHasher: the path from text to Engram row ids.
// NgramHasher.hash() returns what the public demo's NgramHashMapping.hash returns: a dict
// {layer_id: int64 array [B, T, (N-1) * heads]} of head-local row ids, from raw token ids.
#include <pybind11/stl.h>

#include <memory>
#include <string>

#include "arrays.h"
#include "hashing/presets.h"
#include "engram/addressing.h"
#include "engram/compression.h"
#include "engram/hash_config.h"
#include "engram/tokenizer.h"

namespace engram::py {
namespace {

HashConfig config_from_dict(const pb::dict& d) {
  // The demo's field names; HashConfig::parse checks types and ranges and names the field.
  pb::module_ json = pb::module_::import("json");
  return HashConfig::parse(pb::str(json.attr("dumps")(d)).cast<std::string>(), "config");
}

pb::dict config_to_dict(const HashConfig& c) {
  pb::module_ json = pb::module_::import("json");
  return json.attr("loads")(c.to_json_text());
}

HashConfig config_arg(const pb::object& config, const std::string& preset_name) {
  if (!config.is_none() && !preset_name.empty()) throw pb::value_error("pass config or preset, not both");
  if (!preset_name.empty()) return builtin_preset(preset_name).hash;
  if (config.is_none()) throw pb::value_error("a config (dict or HashConfig) or a preset name is required");
  if (pb::isinstance<HashConfig>(config)) {
    HashConfig c = config.cast<HashConfig>();
    c.validate("config");
    return c;
  }
  if (pb::isinstance<pb::dict>(config)) return config_from_dict(config.cast<pb::dict>());
  throw pb::type_error("config must be a dict or an engram.HashConfig");
}

// A Tokenizer from a path or an engram.Tokenizer (loaded once either way).
struct Hasher {
  std::shared_ptr<Tokenizer> tok;
  std::unique_ptr<Addressing> addr;
};

// Decoding state of one sequence; keeps its hasher alive (keep_alive in the binding).
struct HashStream {
  const Addressing* addr;
  Addressing::Stream s;
  explicit HashStream(const Addressing& a) : addr(&a), s(a) {}
};

std::shared_ptr<Tokenizer> tokenizer_arg(const pb::object& t) {
  if (pb::isinstance<Tokenizer>(t)) return t.cast<std::shared_ptr<Tokenizer>>();
  if (pb::isinstance<pb::str>(t) || pb::hasattr(t, "__fspath__")) {
    std::string path = pb::str(pb::module_::import("os").attr("fspath")(t));
    pb::gil_scoped_release nogil;
    return std::make_shared<Tokenizer>(Tokenizer::load(path));
  }
  throw pb::type_error("tokenizer must be a path or an engram.Tokenizer");
}

}  // namespace

void bind_addressing(pb::module_& m) {
  m.def("presets", &preset_names, "The built-in addressing presets: demo, deepseek-v4.1, qwen4exp.");
  m.def(
      "layout",
      [](const std::string& name) {
        return pb::module_::import("json").attr("loads")(preset_layout_json(builtin_preset(name)).dump());
      },
      pb::arg("preset"),
      "A preset's table layout as `engram layout --preset NAME --json` prints it: prime sizes, offsets, rows "
      "(prime sum) and table_rows (allocated) per layer, row bytes, the variant's rules.");
  pb::class_<Tokenizer, std::shared_ptr<Tokenizer>>(m, "Tokenizer",
                                                    "A Hugging Face tokenizer.json (byte-level BPE), immutable.")
      .def(pb::init([](const pb::object& path) {
             std::string p = pb::str(pb::module_::import("os").attr("fspath")(path));
             pb::gil_scoped_release nogil;
             return std::make_shared<Tokenizer>(Tokenizer::load(p));
           }),
           pb::arg("path"), "Loads tokenizer.json; errors name the file and the field.")
      .def(
          "encode",
          [](const Tokenizer& t, const std::string& text, bool add_bos) {
            std::vector<int32_t> ids;
            {
              pb::gil_scoped_release nogil;
              ids = t.encode(text, add_bos);
            }
            std::vector<int64_t> wide(ids.begin(), ids.end());
            const auto n = static_cast<pb::ssize_t>(wide.size());
            return to_numpy(std::move(wide), {n});
          },
          pb::arg("text"), pb::arg("add_bos") = false, "Token ids of text (int64 array), as HF encodes it.")
      .def(
          "encode_batch",
          [](const Tokenizer& t, const std::vector<std::string>& texts, bool add_bos) {
            std::vector<std::vector<int32_t>> all(texts.size());
            {
              pb::gil_scoped_release nogil;
              for (size_t i = 0; i < texts.size(); ++i) all[i] = t.encode(texts[i], add_bos);
            }
            pb::list out;
            for (auto& ids : all) {
              std::vector<int64_t> wide(ids.begin(), ids.end());
              const auto n = static_cast<pb::ssize_t>(wide.size());
              out.append(to_numpy(std::move(wide), {n}));
            }
            return out;
          },
          pb::arg("texts"), pb::arg("add_bos") = false, "encode() of each text: a list of int64 arrays.")
      .def(
          "decode",
          [](const Tokenizer& t, const pb::object& ids) {
            IdArray a = id_array(ids, "ids");
            std::vector<int32_t> narrow;
            narrow.reserve(a.values().size());
            for (size_t i = 0; i < a.values().size(); ++i) {
              const int64_t v = a.values()[i];
              if (v < 0 || v >= t.size())
                throw Error("ids: token id " + std::to_string(v) + " at position " + std::to_string(i) +
                            " is outside the vocabulary [0, " + std::to_string(t.size()) + ")");
              narrow.push_back(static_cast<int32_t>(v));
            }
            return pb::bytes(t.decode(narrow)).attr("decode")("utf-8", "replace");
          },
          pb::arg("ids"), "The text of ids (invalid UTF-8 from partial tokens becomes U+FFFD).")
      .def("token", [](const Tokenizer& t, int64_t id) {
            if (id < 0 || id >= t.size())
              throw Error("token id " + std::to_string(id) + " is outside the vocabulary [0, " +
                          std::to_string(t.size()) + ")");
            return std::string(t.token(static_cast<int32_t>(id)));
          }, pb::arg("id"), "The raw vocabulary string of one id.")
      .def_property_readonly("bos_id", [](const Tokenizer& t) { return t.bos_id(); })
      .def("__len__", [](const Tokenizer& t) { return t.size(); })
      .def_property_readonly("size", [](const Tokenizer& t) { return t.size(); });

  pb::class_<Compression>(m, "Compression", "Tokenizer compression: token id -> canonical id (ENGRAM.md 3).")
      .def(pb::init([](const Tokenizer& t) {
             pb::gil_scoped_release nogil;
             return Compression::build(t);
           }),
           pb::arg("tokenizer"))
      .def_property_readonly("vocab_size", &Compression::vocab_size)
      .def_property_readonly("compressed_size", &Compression::compressed_size)
      .def_property_readonly("lookup", [](const Compression& c) {
        std::vector<int32_t> v = c.lookup();
        const auto n = static_cast<pb::ssize_t>(v.size());
        return to_numpy(std::move(v), {n});
      }, "The table: lookup[id] is id's canonical id (int32 array).")
      .def(
          "map",
          [](const Compression& c, const pb::object& ids) {
            IdArray a = id_array(ids, "ids");
            std::vector<int64_t> out(a.values().size());
            c.map(a.values(), out);
            return to_numpy(std::move(out), a.shape);
          },
          pb::arg("ids"), "Canonical ids of ids (any shape); an id outside the vocabulary raises.");

  pb::class_<HashConfig>(m, "HashConfig", "The multi-head n-gram hash configuration (the demo's field names).")
      .def(pb::init([](const pb::dict& d) { return config_from_dict(d); }), pb::arg("fields"))
      .def_static("demo", &HashConfig::demo_default, "The demo's defaults (ENGRAM.md 4).")
      .def_static("load", &HashConfig::load, pb::arg("path"))
      .def("to_dict", &config_to_dict)
      .def_readonly("engram_vocab_size", &HashConfig::engram_vocab_size)
      .def_readonly("max_ngram_size", &HashConfig::max_ngram_size)
      .def_readonly("n_embed_per_ngram", &HashConfig::n_embed_per_ngram)
      .def_readonly("n_head_per_ngram", &HashConfig::n_head_per_ngram)
      .def_readonly("layer_ids", &HashConfig::layer_ids)
      .def_readonly("pad_id", &HashConfig::pad_id)
      .def_readonly("seed", &HashConfig::seed)
      .def_property_readonly("columns", &HashConfig::columns)
      .def_property_readonly("head_dim", &HashConfig::head_dim)
      .def("table_sizes", &HashConfig::table_sizes, "Rows of every head table: [layer][column] (the primes).")
      .def("__eq__", [](const HashConfig& a, const HashConfig& b) { return a == b; })
      .def("__repr__", [](const HashConfig& c) { return "engram.HashConfig(" + c.to_json_text() + ")"; });

  pb::class_<Hasher>(m, "NgramHasher",
                     "Raw token ids -> Engram row ids of every layer, bit-exact with the public demo.")
      .def(pb::init([](const pb::object& tokenizer, const pb::object& config, const std::string& preset_name) {
             HashConfig cfg = config_arg(config, preset_name);
             Hasher h;
             if (tokenizer.is_none()) {
               // A released model's ids without its tokenizer: canonical ids (V4.1) or raw ids
               // (Qwen, which does not compress) pass through an identity compression.
               if (preset_name.empty() || preset_name == "demo")
                 throw pb::value_error("tokenizer is required (only the released presets hash ids without one)");
               const ModelPreset p = builtin_preset(preset_name);
               std::vector<int32_t> identity(
                   static_cast<size_t>(p.compressed ? p.compressed_vocab_size : p.vocab_size));
               for (size_t i = 0; i < identity.size(); ++i) identity[i] = static_cast<int32_t>(i);
               pb::gil_scoped_release nogil;
               h.addr = std::make_unique<Addressing>(Compression::from_lookup(std::move(identity)), cfg);
               return h;
             }
             h.tok = tokenizer_arg(tokenizer);
             pb::gil_scoped_release nogil;
             Compression comp = Compression::build(*h.tok);
             if (!preset_name.empty()) {
               const ModelPreset p = builtin_preset(preset_name);
               if (p.compressed_vocab_size > 0 && p.compressed && comp.compressed_size() != p.compressed_vocab_size)
                 throw Error("the tokenizer compresses to " + std::to_string(comp.compressed_size()) +
                             " ids but preset " + p.name + " needs " + std::to_string(p.compressed_vocab_size) +
                             " (its multipliers derive from that size)");
             }
             h.addr = std::make_unique<Addressing>(std::move(comp), cfg);
             return h;
           }),
           pb::kw_only(), pb::arg("tokenizer") = pb::none(), pb::arg("config") = pb::none(), pb::arg("preset") = "",
           "tokenizer: path or engram.Tokenizer; config: dict with the demo's fields (and variant rules) or a "
           "HashConfig; or preset: 'demo', 'deepseek-v4.1' or 'qwen4exp'. Without a tokenizer a released preset "
           "hashes canonical (V4.1) or raw (Qwen) ids as given; -1 marks a DEAD (masked) position there.")
      .def_property_readonly("config", [](const Hasher& h) { return h.addr->config(); })
      .def_property_readonly("layer_ids", [](const Hasher& h) { return h.addr->config().layer_ids; })
      .def_property_readonly("compressed_vocab_size",
                             [](const Hasher& h) { return h.addr->compression().compressed_size(); })
      .def("table_sizes", [](const Hasher& h, int layer_id) {
             auto s = h.addr->table_sizes(h.addr->layer_index(layer_id));
             return std::vector<int64_t>(s.begin(), s.end());
           }, pb::arg("layer_id"), "Rows of each column's table of one layer.")
      .def("offsets", [](const Hasher& h, int layer_id) {
             auto s = h.addr->offsets(h.addr->layer_index(layer_id));
             return std::vector<int64_t>(s.begin(), s.end());
           }, pb::arg("layer_id"), "First row of each column in the layer's stacked table.")
      .def("total_rows", [](const Hasher& h, int layer_id) { return h.addr->total_rows(h.addr->layer_index(layer_id)); },
           pb::arg("layer_id"))
      .def(
          "hash",
          [](const Hasher& h, const pb::object& ids, int threads, const pb::object& out, const pb::object& layer) {
            IdArray a = id_array(ids, "input_ids");
            if (a.shape.size() != 2)
              throw pb::value_error("input_ids: expected shape [B, T], got " + shape_str(a.shape));
            const pb::ssize_t B = a.shape[0], T = a.shape[1], C = h.addr->columns();
            const bool one = !layer.is_none();
            const int li = one ? h.addr->layer_index(layer.cast<int>()) : 0;
            const pb::ssize_t L = one ? 1 : h.addr->n_layers();
            const std::vector<pb::ssize_t> shape =
                one ? std::vector<pb::ssize_t>{B, T, C} : std::vector<pb::ssize_t>{L, B, T, C};
            pb::array_t<int64_t> all;
            if (out.is_none()) {
              all = pb::array_t<int64_t>(shape);
            } else {
              // A caller's buffer, reused across calls: no allocation, no page faults.
              if (!pb::isinstance<pb::array>(out) || !is_dtype<int64_t>(out.cast<pb::array>()))
                throw pb::type_error(std::string("out: expected an int64 numpy array ") +
                                     (one ? "[B, T, columns]" : "[n_layers, B, T, columns]"));
              all = out.cast<pb::array_t<int64_t>>();
              std::vector<pb::ssize_t> got(all.shape(), all.shape() + all.ndim());
              if (got != shape) throw pb::value_error("out: expected shape " + shape_str(shape) + ", got " + shape_str(got));
              if (!(all.flags() & pb::array::c_style)) throw pb::value_error("out: the array is not C-contiguous");
              if (!all.writeable()) throw pb::value_error("out: the array is read-only");
            }
            int64_t* p = all.mutable_data();
            {
              pb::gil_scoped_release nogil;
              const std::span<int64_t> dst(p, static_cast<size_t>(L * B * T * C));
              if (one)
                h.addr->layer_rows_into(li, a.values(), B, T, dst);
              else
                h.addr->rows_into(a.values(), B, T, dst, threads);
            }
            if (one) return pb::object(all);
            pb::dict res;
            for (pb::ssize_t l = 0; l < L; ++l)
              res[pb::int_(h.addr->layer_id(static_cast<int>(l)))] = all[pb::int_(l)];  // views of one buffer
            return pb::object(res);
          },
          pb::arg("input_ids"), pb::arg("threads") = 1, pb::arg("out") = pb::none(), pb::arg("layer_id") = pb::none(),
          "input_ids [B, T] (raw tokenizer ids) -> {layer_id: int64 [B, T, (N-1)*heads]} head-local rows; "
          "the arrays are views of one [n_layers, B, T, columns] buffer, `out` when given. With layer_id: "
          "that layer's rows only, one int64 [B, T, columns] array (out of that shape), hashed alone.")
      .def("stream", [](const Hasher& h) { return std::make_unique<HashStream>(*h.addr); }, pb::keep_alive<0, 1>(),
           "Incremental hashing for decoding: one token at a time, the same rows as hash().")
      .def(
          "global_rows",
          [](const Hasher& h, int layer_id, const pb::object& local) {
            IdArray a = id_array(local, "local");
            const int l = h.addr->layer_index(layer_id);
            if (a.shape.empty() || a.shape.back() != h.addr->columns())
              throw pb::value_error("local: the last dimension must be the " + std::to_string(h.addr->columns()) +
                                    " columns, got shape " + shape_str(a.shape));
            std::vector<int64_t> g = h.addr->global_rows(l, a.values());
            return to_numpy(std::move(g), a.shape);
          },
          pb::arg("layer_id"), pb::arg("local"),
          "Head-local rows [..., columns] of one layer -> rows of its stacked table (checked).");

  pb::class_<HashStream>(m, "HashStream", "Per-sequence decoding state of an NgramHasher (not thread-safe).")
      .def(
          "append",
          [](HashStream& st, int64_t token_id) {
            const int L = st.addr->n_layers(), C = st.addr->columns();
            pb::array_t<int64_t> out({L, C});
            st.s.append(token_id, std::span<int64_t>(out.mutable_data(), static_cast<size_t>(L) * C));
            return out;
          },
          pb::arg("token_id"), "Appends one raw token id; returns its head-local rows [n_layers, columns].")
      .def("reset", [](HashStream& st) { st.s.reset(); }, "Starts a new sequence.")
      .def_property_readonly("position", [](const HashStream& st) { return st.s.position(); });
}

}  // namespace engram::py
