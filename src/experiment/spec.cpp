#include "experiment/spec.h"

#include <cctype>
#include <filesystem>
#include <map>
#include <set>

#include "core/error.h"
#include "core/file.h"
#include "core/mix.h"
#include "core/paths.h"
#include "model/config.h"

namespace engram::experiment {

namespace {

namespace fs = std::filesystem;

bool is_name(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  return true;
}

void check_keys(const Json& obj, const std::set<std::string>& known, const std::string& where) {
  if (!obj.is_object()) throw Error(where + ": expected a JSON object, got " + obj.type_name());
  for (const auto& [k, v] : obj.items()) {
    if (known.count(k)) continue;
    std::string list;
    for (const auto& n : known) list += (list.empty() ? "" : ", ") + n;
    throw Error(where + ": unknown key '" + k + "' (known: " + list + ")");
  }
}

// A relative path is looked up beside the spec; a corpus also in <cache>/corpora.
std::string resolve(const std::string& p, const std::string& spec_dir, bool corpus, const std::string& where) {
  if (fs::path(p).is_absolute()) {
    if (!file_exists(p)) throw Error(where + ": no file '" + p + "'");
    return p;
  }
  const std::string beside = (fs::path(spec_dir) / p).lexically_normal().string();
  if (file_exists(beside)) return beside;
  const std::string cached = cache_dir() + "/corpora/" + p;
  if (corpus && file_exists(cached)) return cached;
  throw Error(where + ": no file '" + p + "' (looked for '" + beside + "'" + (corpus ? " and '" + cached + "'" : "") +
              ")" + (corpus ? "\n---> HINT: bash scripts/setup.sh fetches the corpora; --corpus NAME=PATH points at another" : ""));
}

const std::set<std::string> kTrainKeys = {"batch",   "seq",        "lr",        "min_lr",    "warmup",
                                          "schedule", "weight_decay", "table_lr_mult", "table_adam", "grad_clip",
                                          "eval_every", "ckpt_every", "heldout", "tables", "table_cache_mb",
                                          "threads"};

template <class T>
std::vector<T> positive_list(const Json& j, const std::string& where) {
  if (!j.is_array() || j.empty()) throw Error(where + ": expected a non-empty array of positive integers");
  std::vector<T> out;
  std::set<T> seen;
  for (size_t i = 0; i < j.size(); ++i) {
    const int64_t v = json_int(j[i], where + "[" + std::to_string(i) + "]");
    if (v <= 0) throw Error(where + "[" + std::to_string(i) + "]: must be positive, got " + std::to_string(v));
    if (!seen.insert(static_cast<T>(v)).second)
      throw Error(where + "[" + std::to_string(i) + "]: " + std::to_string(v) + " appears twice");
    out.push_back(static_cast<T>(v));
  }
  return out;
}

}  // namespace

int apply_train_options(const Json& t, const std::string& where, train::TrainOptions& o) {
  check_keys(t, kTrainKeys, where);
  int threads = 0;
  auto num = [&](const char* k) { return json_number(t[k], where + "." + k); };
  auto integer = [&](const char* k, int64_t min) {
    const int64_t v = json_int(t[k], where + "." + k);
    if (v < min) throw Error(where + "." + k + ": must be >= " + std::to_string(min) + ", got " + std::to_string(v));
    return v;
  };
  for (const auto& [k, v] : t.items()) {
    if (k == "batch") o.batch = integer("batch", 1);
    else if (k == "seq") o.seq = integer("seq", 1);
    else if (k == "lr") o.optim.lr = static_cast<float>(num("lr"));
    else if (k == "min_lr") o.optim.min_lr = static_cast<float>(num("min_lr"));
    else if (k == "warmup") o.optim.warmup_steps = integer("warmup", 0);
    else if (k == "schedule") o.optim.schedule = train::parse_schedule(json_string(v, where + ".schedule"));
    else if (k == "weight_decay") o.optim.weight_decay = static_cast<float>(num("weight_decay"));
    else if (k == "table_lr_mult") o.optim.table_lr_mult = static_cast<float>(num("table_lr_mult"));
    else if (k == "table_adam") o.optim.table_adam = train::parse_table_adam(json_string(v, where + ".table_adam"));
    else if (k == "grad_clip") o.optim.grad_clip = static_cast<float>(num("grad_clip"));
    else if (k == "eval_every") o.eval_every = integer("eval_every", 0);
    else if (k == "ckpt_every") o.ckpt_every = integer("ckpt_every", 0);
    else if (k == "heldout") o.heldout_fraction = num("heldout");
    else if (k == "tables") o.tables.kind = json_string(v, where + ".tables");
    else if (k == "table_cache_mb") o.tables.cache_mb = num("table_cache_mb");
    else if (k == "threads") threads = static_cast<int>(integer("threads", 0));
  }
  if (!(o.heldout_fraction > 0 && o.heldout_fraction < 1))
    throw Error(where + ".heldout: must be in (0, 1), got " + std::to_string(o.heldout_fraction));
  train::validate(o.tables);
  return threads;
}

ExperimentSpec load_spec(const std::string& path, const std::vector<std::string>& corpus_overrides) {
  const Json j = load_json_file(path);
  check_keys(j, {"experiment", "description", "corpora", "arms", "baseline", "seeds", "steps", "train", "iso_params",
                 "plot_x"},
             path);
  ExperimentSpec s;
  s.path = path;
  const std::string dir = fs::path(path).parent_path().string();
  s.experiment = json_string(json_field(j, "experiment", path), path + ": experiment");
  if (!is_name(s.experiment)) throw Error(path + ": experiment: '" + s.experiment + "' is not a name ([A-Za-z0-9_-]+)");
  if (const Json* d = json_field_opt(j, "description")) s.description = json_string(*d, path + ": description");

  const Json& corpora = json_field(j, "corpora", path);
  if (!corpora.is_object() || corpora.empty()) throw Error(path + ": corpora: expected an object {name: file}");
  std::map<std::string, std::string> overrides;
  for (const std::string& o : corpus_overrides) {
    const size_t eq = o.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == o.size())
      throw Error("--corpus '" + o + "': expected NAME=PATH");
    const std::string name = o.substr(0, eq);
    if (!corpora.contains(name)) throw Error("--corpus '" + o + "': the spec " + path + " has no corpus '" + name + "'");
    overrides[name] = o.substr(eq + 1);
  }
  for (const auto& [name, v] : corpora.items()) {
    const std::string where = path + ": corpora." + name;
    if (!is_name(name)) throw Error(where + ": not a name ([A-Za-z0-9_-]+)");
    const auto it = overrides.find(name);
    const std::string p = it != overrides.end() ? it->second : json_string(v, where);
    CorpusSpec c;
    c.name = name;
    c.path = it != overrides.end() ? resolve(p, ".", false, "--corpus " + name) : resolve(p, dir, true, where);
    const std::string text = read_file(c.path);
    c.identity = {{"bytes", text.size()}, {"fnv1a64", hex64(fnv1a64(text))}};
    s.corpora.push_back(std::move(c));
  }

  const Json base_train = j.contains("train") ? j["train"] : Json::object();
  {
    train::TrainOptions probe;
    apply_train_options(base_train, path + ": train", probe);
  }
  const Json& arms = json_field(j, "arms", path);
  if (!arms.is_array() || arms.empty()) throw Error(path + ": arms: expected a non-empty array");
  std::set<std::string> names;
  for (size_t i = 0; i < arms.size(); ++i) {
    const std::string where = path + ": arms[" + std::to_string(i) + "]";
    const Json& a = arms[i];
    check_keys(a, {"name", "config", "config_patch", "train"}, where);
    ArmSpec arm;
    arm.name = json_string(json_field(a, "name", where), where + ".name");
    if (!is_name(arm.name)) throw Error(where + ".name: '" + arm.name + "' is not a name ([A-Za-z0-9_-]+)");
    if (!names.insert(arm.name).second) throw Error(where + ".name: '" + arm.name + "' appears twice");
    const Json& c = json_field(a, "config", where);
    if (c.is_string()) {
      arm.source = resolve(c.get<std::string>(), dir, false, where + ".config");
      arm.config = load_json_file(arm.source);
    } else if (c.is_object()) {
      arm.source = "inline";
      arm.config = c;
    } else {
      throw Error(where + ".config: expected a config file path or an inline config object");
    }
    if (const Json* p = json_field_opt(a, "config_patch")) {
      if (!p->is_object()) throw Error(where + ".config_patch: expected an object (a JSON merge patch)");
      arm.config.merge_patch(*p);
    }
    model::ModelConfig::from_json(arm.config, where + ".config");  // throws naming the field
    arm.train = base_train;
    if (const Json* t = json_field_opt(a, "train")) {
      if (!t->is_object()) throw Error(where + ".train: expected an object");
      arm.train.merge_patch(*t);
    }
    train::TrainOptions probe;
    apply_train_options(arm.train, where + ".train", probe);
    s.arms.push_back(std::move(arm));
  }
  s.baseline = s.arms[0].name;
  if (const Json* b = json_field_opt(j, "baseline")) {
    s.baseline = json_string(*b, path + ": baseline");
    if (!names.count(s.baseline)) throw Error(path + ": baseline: no arm named '" + s.baseline + "'");
  }
  s.seeds = positive_list<uint64_t>(json_field(j, "seeds", path), path + ": seeds");
  s.steps = positive_list<int64_t>(json_field(j, "steps", path), path + ": steps");
  if (const Json* iso = json_field_opt(j, "iso_params")) {
    check_keys(*iso, {"rel_tol"}, path + ": iso_params");
    s.iso_rel_tol = json_number(json_field(*iso, "rel_tol", path + ": iso_params"), path + ": iso_params.rel_tol");
    if (s.iso_rel_tol < 0) throw Error(path + ": iso_params.rel_tol: must be >= 0");
  }
  if (const Json* px = json_field_opt(j, "plot_x")) {
    s.plot_x = json_string(*px, path + ": plot_x");
    if (s.plot_x != "rho" && s.plot_x != "table_params")
      throw Error(path + ": plot_x: '" + s.plot_x + "' (known: rho, table_params)");
  }
  return s;
}

std::vector<RunSpec> expand_grid(const ExperimentSpec& spec) {
  std::vector<RunSpec> out;
  for (int64_t steps : spec.steps)
    for (const CorpusSpec& c : spec.corpora)
      for (uint64_t seed : spec.seeds)
        for (const ArmSpec& a : spec.arms) {
          RunSpec r;
          r.id = a.name + "." + c.name + "." + std::to_string(steps) + ".s" + std::to_string(seed);
          r.arm = &a;
          r.corpus = &c;
          r.seed = seed;
          r.steps = steps;
          r.key = {{"config", a.config}, {"data", c.identity}, {"train", a.train}, {"seed", seed}, {"steps", steps}};
          out.push_back(std::move(r));
        }
  return out;
}

}  // namespace engram::experiment
