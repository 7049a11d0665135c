// Strict reader and writer of the safetensors format (Hugging Face): an 8-byte little-endian
// header length N, N bytes of UTF-8 JSON {name: {"dtype", "shape", "data_offsets": [b, e]},
// "__metadata__": {str: str}}, then the data buffer; offsets are relative to the buffer.
//
// The reader trusts nothing: the header length must fit the file (and a 100 MiB cap), the
// JSON must parse with no duplicate names, every shape must be non-negative with an element
// count whose byte size (overflow-checked) equals e - b, every range must lie inside the
// buffer, ranges must not overlap and must cover the buffer with no hole (as the reference
// implementation requires). Any violation throws engram::Error naming the source, the tensor
// and the offending field.
//
// Ownership: a SafeTensors owns its bytes (a read-only mmap of the file, or a string). It is
// immutable after load and safe to read from many threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "io/dtype.h"

namespace engram {

struct TensorInfo {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  uint64_t begin = 0;   // byte offset inside the data buffer
  uint64_t nbytes = 0;  // = numel * dtype_size
  int64_t numel() const;
};

// "[2, 37, 4]" for messages.
std::string shape_str(std::span<const int64_t> shape);

class SafeTensors {
 public:
  // Maps the file read-only; throws Error naming the path on any I/O or format problem.
  static SafeTensors load(const std::string& path);
  // Parses bytes held in memory (tests, fuzzing); `source` names them in messages.
  static SafeTensors parse(std::string bytes, const std::string& source);

  SafeTensors(SafeTensors&&) noexcept;
  SafeTensors& operator=(SafeTensors&&) noexcept;
  ~SafeTensors();

  const std::string& source() const { return source_; }
  // Tensors in header order of their data offsets.
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

  const TensorInfo* find(const std::string& name) const;
  // Throws Error "<source>: tensor '<name>' is missing" when absent.
  const TensorInfo& get(const std::string& name) const;
  // Checks the tensor's dtype and shape; throws naming the tensor, expected and actual.
  const TensorInfo& expect(const std::string& name, DType dtype,
                           std::span<const int64_t> shape) const;
  // The raw bytes of a tensor (little-endian, C order). Not necessarily aligned.
  const std::byte* data(const TensorInfo& t) const;

  // Copies a tensor of the expected dtype and shape into a vector.
  std::vector<float> read_f32(const std::string& name, std::span<const int64_t> shape) const;
  std::vector<double> read_f64(const std::string& name, std::span<const int64_t> shape) const;
  std::vector<int64_t> read_i64(const std::string& name, std::span<const int64_t> shape) const;
  // Any float dtype (F32, BF16, F16, F64) converted to float32.
  std::vector<float> read_as_f32(const std::string& name, std::span<const int64_t> shape) const;

 private:
  struct Storage;
  SafeTensors() = default;
  void parse_header();
  std::unique_ptr<Storage> storage_;
  const std::byte* bytes_ = nullptr;
  uint64_t size_ = 0;
  uint64_t data_start_ = 0;
  std::string source_;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
};

// Collects tensors and writes one safetensors file. Data is copied on add().
class SafeTensorsWriter {
 public:
  void add(const std::string& name, DType dtype, std::vector<int64_t> shape, const void* data,
           size_t nbytes);
  void add_f32(const std::string& name, std::vector<int64_t> shape, std::span<const float> v);
  void add_i64(const std::string& name, std::vector<int64_t> shape, std::span<const int64_t> v);
  void set_metadata(const std::string& key, const std::string& value);
  // The whole file as bytes: header padded with spaces to a multiple of 8 so the data
  // buffer starts 8-byte aligned, tensors in insertion order.
  std::string serialize() const;
  // serialize() then write_file_atomic (temp + fsync + rename).
  void write(const std::string& path) const;

 private:
  struct Entry {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    std::string bytes;
  };
  std::vector<Entry> entries_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace engram
