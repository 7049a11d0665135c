// Strict safetensors reader/writer; see safetensors.h for the rules enforced.
#include "io/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "core/error.h"
#include "core/file.h"
#include "core/json_util.h"

namespace engram {

namespace {

// A header larger than this is not a tensor index but an attack or corruption (the
// reference implementation uses the same cap).
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

uint64_t read_le64(const std::byte* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

}  // namespace

// Either a read-only mapping of a file or bytes held in a string.
struct SafeTensors::Storage {
  std::string owned;
  void* map = nullptr;
  size_t map_len = 0;
  ~Storage() {
    if (map != nullptr) munmap(map, map_len);
  }
};

int64_t TensorInfo::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string shape_str(std::span<const int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

SafeTensors::SafeTensors(SafeTensors&&) noexcept = default;
SafeTensors& SafeTensors::operator=(SafeTensors&&) noexcept = default;
SafeTensors::~SafeTensors() = default;

SafeTensors SafeTensors::load(const std::string& path) {
  SafeTensors st;
  st.source_ = path;
  st.storage_ = std::make_unique<Storage>();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(errno_code(errno), path + ": cannot open: " + std::strerror(errno));
  struct stat sb {};
  if (fstat(fd, &sb) != 0) {
    int e = errno;
    ::close(fd);
    throw Error(ErrorCode::kIo, path + ": cannot stat: " + std::strerror(e));
  }
  size_t len = static_cast<size_t>(sb.st_size);
  if (len > 0) {
    void* p = mmap(nullptr, len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int e = errno;
      ::close(fd);
      throw Error(ErrorCode::kIo, path + ": cannot mmap: " + std::strerror(e));
    }
    st.storage_->map = p;
    st.storage_->map_len = len;
    st.bytes_ = static_cast<const std::byte*>(p);
  }
  ::close(fd);
  st.size_ = len;
  st.parse_header();
  return st;
}

SafeTensors SafeTensors::parse(std::string bytes, const std::string& source) {
  SafeTensors st;
  st.source_ = source;
  st.storage_ = std::make_unique<Storage>();
  st.storage_->owned = std::move(bytes);
  st.bytes_ = reinterpret_cast<const std::byte*>(st.storage_->owned.data());
  st.size_ = st.storage_->owned.size();
  st.parse_header();
  return st;
}

void SafeTensors::parse_header() {
  const std::string& src = source_;
  if (size_ < 8) {
    throw Error(ErrorCode::kCorruption, src + ": not a safetensors file: " + std::to_string(size_) +
                " bytes, shorter than the 8-byte header length");
  }
  uint64_t n = read_le64(bytes_);
  if (n > size_ - 8) {
    throw Error(ErrorCode::kCorruption, src + ": header length " + std::to_string(n) + " at offset 0 runs past the end of the " +
                std::to_string(size_) + "-byte file");
  }
  if (n > kMaxHeaderBytes) {
    throw Error(ErrorCode::kCorruption, src + ": header length " + std::to_string(n) + " exceeds the 100 MiB limit");
  }
  if (n < 2) throw Error(ErrorCode::kCorruption, src + ": header of " + std::to_string(n) + " bytes cannot hold a JSON object");
  std::string text(reinterpret_cast<const char*>(bytes_ + 8), n);
  data_start_ = 8 + n;
  const uint64_t data_size = size_ - data_start_;

  // Duplicate tensor names would make the index ambiguous; nlohmann keeps the last silently,
  // so catch them while parsing (top-level keys sit at depth 1).
  std::set<std::string> seen;
  std::string duplicate;
  Json header;
  try {
    header = Json::parse(text, [&](int depth, Json::parse_event_t ev, Json& parsed) {
      if (ev == Json::parse_event_t::key && depth == 1) {
        std::string k = parsed.get<std::string>();
        if (!seen.insert(k).second && duplicate.empty()) duplicate = k;
      }
      return true;
    });
  } catch (const Json::exception& e) {
    throw Error(ErrorCode::kCorruption, src + ": header JSON is invalid (header bytes 8.." + std::to_string(8 + n) + "): " + e.what());
  }
  if (!duplicate.empty()) throw Error(ErrorCode::kCorruption, src + ": header names tensor '" + duplicate + "' twice");
  if (!header.is_object()) throw Error(ErrorCode::kCorruption, src + ": header is not a JSON object");

  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const Json& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) throw Error(ErrorCode::kCorruption, src + ": __metadata__ must be an object of strings");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string()) {
          throw Error(ErrorCode::kCorruption, src + ": __metadata__." + m.key() + " must be a string, got " + m.value().type_name());
        }
        metadata_[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const std::string where = src + ": tensor '" + name + "'";
    if (name.empty()) throw Error(ErrorCode::kCorruption, src + ": a tensor has an empty name");
    if (!v.is_object()) throw Error(ErrorCode::kCorruption, where + ": entry is not an object");
    for (auto f = v.begin(); f != v.end(); ++f) {
      if (f.key() != "dtype" && f.key() != "shape" && f.key() != "data_offsets") {
        throw Error(ErrorCode::kCorruption, where + ": unknown field '" + f.key() + "'");
      }
    }
    TensorInfo t;
    t.name = name;
    t.dtype = dtype_from_name(json_string(json_field(v, "dtype", where), where + ": dtype"), where);
    const Json& shape = json_field(v, "shape", where);
    if (!shape.is_array()) throw Error(ErrorCode::kCorruption, where + ": shape must be an array");
    // Element count with overflow checks: the product must stay representable in bytes.
    uint64_t numel = 1;
    bool overflow = false;
    for (size_t i = 0; i < shape.size(); ++i) {
      int64_t d = json_int(shape[i], where + ": shape[" + std::to_string(i) + "]");
      if (d < 0) throw Error(ErrorCode::kCorruption, where + ": shape[" + std::to_string(i) + "] is negative (" + std::to_string(d) + ")");
      t.shape.push_back(d);
      uint64_t ud = static_cast<uint64_t>(d);
      if (ud != 0 && numel > UINT64_MAX / ud) overflow = true;
      numel *= ud;
    }
    uint64_t esize = dtype_size(t.dtype);
    if (overflow || numel > UINT64_MAX / esize) {
      throw Error(ErrorCode::kCorruption, where + ": shape " + shape_str(t.shape) + " overflows the byte size");
    }
    if (numel > static_cast<uint64_t>(INT64_MAX)) throw Error(ErrorCode::kCorruption, where + ": shape " + shape_str(t.shape) + " is too large");
    const Json& offs = json_field(v, "data_offsets", where);
    if (!offs.is_array() || offs.size() != 2) throw Error(ErrorCode::kCorruption, where + ": data_offsets must be [begin, end]");
    int64_t b = json_int(offs[0], where + ": data_offsets[0]");
    int64_t e = json_int(offs[1], where + ": data_offsets[1]");
    if (b < 0 || e < b) {
      throw Error(ErrorCode::kCorruption, where + ": data_offsets [" + std::to_string(b) + ", " + std::to_string(e) + "] are not ordered");
    }
    if (static_cast<uint64_t>(e) > data_size) {
      throw Error(ErrorCode::kCorruption, where + ": data_offsets end " + std::to_string(e) + " is past the " + std::to_string(data_size) +
                  "-byte data buffer (file offset " + std::to_string(data_start_ + static_cast<uint64_t>(e)) + ")");
    }
    t.begin = static_cast<uint64_t>(b);
    t.nbytes = static_cast<uint64_t>(e - b);
    if (t.nbytes != numel * esize) {
      throw Error(ErrorCode::kCorruption, where + ": dtype " + dtype_name(t.dtype) + " shape " + shape_str(t.shape) + " needs " +
                  std::to_string(numel * esize) + " bytes but data_offsets span " + std::to_string(t.nbytes));
    }
    tensors_.push_back(std::move(t));
  }

  // The ranges must tile the buffer exactly: no overlap (two names sharing bytes), no hole.
  std::stable_sort(tensors_.begin(), tensors_.end(), [](const TensorInfo& a, const TensorInfo& b) {
    return a.begin < b.begin || (a.begin == b.begin && a.nbytes < b.nbytes);
  });
  uint64_t cursor = 0;
  for (const TensorInfo& t : tensors_) {
    if (t.begin < cursor) {
      throw Error(ErrorCode::kCorruption, src + ": tensor '" + t.name + "' data_offsets begin " + std::to_string(t.begin) +
                  " overlaps the previous tensor (which ends at " + std::to_string(cursor) + ")");
    }
    if (t.begin > cursor) {
      throw Error(ErrorCode::kCorruption, src + ": data bytes " + std::to_string(cursor) + ".." + std::to_string(t.begin) +
                  " before tensor '" + t.name + "' belong to no tensor");
    }
    cursor = t.begin + t.nbytes;
  }
  if (cursor != data_size) {
    throw Error(ErrorCode::kCorruption, src + ": data buffer has " + std::to_string(data_size - cursor) +
                " trailing bytes that belong to no tensor (from data offset " + std::to_string(cursor) + ")");
  }
  for (size_t i = 0; i < tensors_.size(); ++i) index_[tensors_[i].name] = i;
}

const TensorInfo* SafeTensors::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

const TensorInfo& SafeTensors::get(const std::string& name) const {
  const TensorInfo* t = find(name);
  if (t == nullptr) throw Error(ErrorCode::kNotFound, source_ + ": tensor '" + name + "' is missing");
  return *t;
}

const TensorInfo& SafeTensors::expect(const std::string& name, DType dtype, std::span<const int64_t> shape) const {
  const TensorInfo& t = get(name);
  if (t.dtype != dtype) {
    throw Error(source_ + ": tensor '" + name + "' has dtype " + dtype_name(t.dtype) + ", expected " +
                dtype_name(dtype));
  }
  if (!std::equal(t.shape.begin(), t.shape.end(), shape.begin(), shape.end())) {
    throw Error(source_ + ": tensor '" + name + "' has shape " + shape_str(t.shape) + ", expected " +
                shape_str(shape));
  }
  return t;
}

const std::byte* SafeTensors::data(const TensorInfo& t) const { return bytes_ + data_start_ + t.begin; }

namespace {
template <typename T>
std::vector<T> copy_out(const SafeTensors& st, const TensorInfo& t) {
  std::vector<T> v(static_cast<size_t>(t.numel()));
  if (t.nbytes) std::memcpy(v.data(), st.data(t), t.nbytes);
  return v;
}
}  // namespace

std::vector<float> SafeTensors::read_f32(const std::string& name, std::span<const int64_t> shape) const {
  return copy_out<float>(*this, expect(name, DType::kF32, shape));
}
std::vector<double> SafeTensors::read_f64(const std::string& name, std::span<const int64_t> shape) const {
  return copy_out<double>(*this, expect(name, DType::kF64, shape));
}
std::vector<int64_t> SafeTensors::read_i64(const std::string& name, std::span<const int64_t> shape) const {
  return copy_out<int64_t>(*this, expect(name, DType::kI64, shape));
}

std::vector<float> SafeTensors::read_as_f32(const std::string& name, std::span<const int64_t> shape) const {
  const TensorInfo& t = get(name);
  if (t.dtype != DType::kF32 && t.dtype != DType::kBF16 && t.dtype != DType::kF64) {
    throw Error(source_ + ": tensor '" + name + "' has dtype " + dtype_name(t.dtype) +
                ", expected a float dtype (F32, BF16 or F64)");
  }
  expect(name, t.dtype, shape);
  const size_t n = static_cast<size_t>(t.numel());
  std::vector<float> out(n);
  const std::byte* p = data(t);
  for (size_t i = 0; i < n; ++i) {
    if (t.dtype == DType::kF32) {
      std::memcpy(&out[i], p + 4 * i, 4);
    } else if (t.dtype == DType::kBF16) {
      uint16_t h;
      std::memcpy(&h, p + 2 * i, 2);
      out[i] = bf16_to_f32(h);
    } else {
      double d;
      std::memcpy(&d, p + 8 * i, 8);
      out[i] = static_cast<float>(d);
    }
  }
  return out;
}

void SafeTensorsWriter::add(const std::string& name, DType dtype, std::vector<int64_t> shape, const void* data,
                            size_t nbytes) {
  if (name.empty() || name == "__metadata__") throw Error("safetensors writer: invalid tensor name '" + name + "'");
  for (const Entry& e : entries_)
    if (e.name == name) throw Error("safetensors writer: tensor '" + name + "' added twice");
  uint64_t numel = 1;
  for (int64_t d : shape) {
    if (d < 0) throw Error("safetensors writer: tensor '" + name + "' has a negative dimension");
    numel *= static_cast<uint64_t>(d);
  }
  if (numel * dtype_size(dtype) != nbytes) {
    throw Error("safetensors writer: tensor '" + name + "' shape " + shape_str(shape) + " " + dtype_name(dtype) +
                " needs " + std::to_string(numel * dtype_size(dtype)) + " bytes, got " + std::to_string(nbytes));
  }
  entries_.push_back({name, dtype, std::move(shape), std::string(static_cast<const char*>(data), nbytes)});
}

void SafeTensorsWriter::add_f32(const std::string& name, std::vector<int64_t> shape, std::span<const float> v) {
  add(name, DType::kF32, std::move(shape), v.data(), v.size_bytes());
}
void SafeTensorsWriter::add_i64(const std::string& name, std::vector<int64_t> shape, std::span<const int64_t> v) {
  add(name, DType::kI64, std::move(shape), v.data(), v.size_bytes());
}

void SafeTensorsWriter::set_metadata(const std::string& key, const std::string& value) { metadata_[key] = value; }

std::string SafeTensorsWriter::serialize() const {
  Json header = Json::object();
  if (!metadata_.empty()) header["__metadata__"] = metadata_;
  uint64_t off = 0;
  for (const Entry& e : entries_) {
    header[e.name] = {{"dtype", dtype_name(e.dtype)}, {"shape", e.shape}, {"data_offsets", {off, off + e.bytes.size()}}};
    off += e.bytes.size();
  }
  std::string text = header.dump();
  while ((8 + text.size()) % 8 != 0) text.push_back(' ');
  std::string out;
  out.reserve(8 + text.size() + off);
  uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  out += text;
  for (const Entry& e : entries_) out += e.bytes;
  return out;
}

void SafeTensorsWriter::write(const std::string& path) const { write_file_atomic(path, serialize()); }

}  // namespace engram
