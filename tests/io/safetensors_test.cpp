// safetensors reader/writer: round trip of every supported dtype, and strictness against
// malformed headers (each must throw an Error naming what is wrong, never crash).
#include <gtest/gtest.h>

#include <cstring>

#include "core/error.h"
#include "io/safetensors.h"
#include "test_util.h"

namespace engram {
namespace {

// Builds a file from a raw header text and a data buffer.
std::string make_file(const std::string& header, const std::string& data) {
  std::string out;
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  return out + header + data;
}

void expect_error(const std::string& bytes, const std::string& needle) {
  try {
    SafeTensors::parse(bytes, "t.safetensors");
    FAIL() << "expected an error containing '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(SafeTensors, RoundTripAllDtypes) {
  SafeTensorsWriter w;
  std::vector<float> f = {1.5f, -2.0f, 3.25f, 0.0f, 1e-30f, -7.0f};
  std::vector<double> d = {1.0 / 3.0, -2.5};
  std::vector<int64_t> i64 = {INT64_MIN, -1, 0, INT64_MAX};
  std::vector<int32_t> i32 = {-5, 7, 123456789};
  std::vector<uint16_t> bf = {f32_to_bf16(1.0f), f32_to_bf16(-0.5f), f32_to_bf16(3.0f)};
  w.add_f32("a.weight", {2, 3}, f);
  w.add("b", DType::kF64, {2}, d.data(), d.size() * 8);
  w.add_i64("c", {4}, i64);
  w.add("d", DType::kI32, {3}, i32.data(), i32.size() * 4);
  w.add("e", DType::kBF16, {3, 1}, bf.data(), bf.size() * 2);
  w.add("empty", DType::kF32, {0, 5}, nullptr, 0);
  w.add("scalar", DType::kF32, {}, f.data(), 4);
  w.set_metadata("format", "pt");
  std::string path = test::scratch_dir() + "/roundtrip.safetensors";
  w.write(path);

  SafeTensors st = SafeTensors::load(path);
  EXPECT_EQ(st.tensors().size(), 7u);
  EXPECT_EQ(st.metadata().at("format"), "pt");
  std::vector<int64_t> s23 = {2, 3};
  EXPECT_EQ(st.read_f32("a.weight", s23), f);
  std::vector<int64_t> s2 = {2};
  EXPECT_EQ(st.read_f64("b", s2), d);
  std::vector<int64_t> s4 = {4};
  EXPECT_EQ(st.read_i64("c", s4), i64);
  const TensorInfo& ti = st.get("d");
  EXPECT_EQ(ti.dtype, DType::kI32);
  std::vector<int32_t> got(3);
  std::memcpy(got.data(), st.data(ti), 12);
  EXPECT_EQ(got, i32);
  std::vector<int64_t> s31 = {3, 1};
  std::vector<float> bff = st.read_as_f32("e", s31);
  EXPECT_EQ(bff, (std::vector<float>{1.0f, -0.5f, 3.0f}));
  EXPECT_EQ(st.get("empty").nbytes, 0u);
  EXPECT_EQ(st.get("scalar").numel(), 1);
  // The data buffer starts 8-byte aligned (header padded with spaces).
  std::string bytes = w.serialize();
  uint64_t n;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ((8 + n) % 8, 0u);
}

TEST(SafeTensors, NamedErrorsForWrongDtypeShapeMissing) {
  SafeTensorsWriter w;
  std::vector<float> f(6, 1.0f);
  w.add_f32("value_proj.weight", {2, 3}, f);
  SafeTensors st = SafeTensors::parse(w.serialize(), "w.safetensors");
  std::vector<int64_t> good = {2, 3}, bad = {3, 2};
  try {
    st.read_f32("value_proj.weight", bad);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'value_proj.weight' has shape [2, 3], expected [3, 2]"), std::string::npos)
        << e.what();
  }
  try {
    st.read_f64("value_proj.weight", good);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("dtype F32, expected F64"), std::string::npos) << e.what();
  }
  try {
    st.get("key_projs.0.weight");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'key_projs.0.weight' is missing"), std::string::npos) << e.what();
  }
}

TEST(SafeTensors, RejectsMalformedFiles) {
  const std::string data8(8, '\0');
  expect_error("", "shorter than the 8-byte");
  expect_error(std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8) + "{}", "runs past the end");
  expect_error(make_file("{\"a\":", ""), "header JSON is invalid");
  expect_error(make_file("[1,2]", ""), "not a JSON object");
  expect_error(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", data8),
               "'a' twice");
  expect_error(make_file(R"({"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}})", data8), "unsupported dtype 'Q4'");
  expect_error(make_file(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", data8), "needs 12 bytes");
  expect_error(make_file(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", data8), "negative");
  expect_error(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}})", data8), "past the 8-byte data buffer");
  expect_error(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", data8), "not ordered");
  expect_error(make_file(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,8]}})", data8),
               "overflows");
  expect_error(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", data8),
               "overlaps");
  expect_error(make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", data8), "belong to no tensor");
  expect_error(make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", data8), "trailing bytes");
  expect_error(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}})", data8), "unknown field 'x'");
  expect_error(make_file(R"({"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}})", data8), "shape[0]");
  expect_error(make_file(R"({"__metadata__":{"k":1}})", ""), "__metadata__.k");
  expect_error(make_file(R"({"a":{"dtype":"F32","shape":[2]}})", data8), "missing field 'data_offsets'");
}

TEST(SafeTensors, TruncationAndByteFlipsNeverCrash) {
  SafeTensorsWriter w;
  std::vector<float> f(12, 2.0f);
  w.add_f32("x", {3, 4}, f);
  w.add_f32("y", {2}, std::span<const float>(f.data(), 2));
  std::string good = w.serialize();
  for (size_t cut = 0; cut < good.size(); ++cut) {
    EXPECT_THROW(SafeTensors::parse(good.substr(0, cut), "cut"), Error) << cut;
  }
  // Every byte flipped in turn (xor 0x5a). In the data buffer: the file parses to the same
  // tensors (names, dtypes, shapes, offsets) and exactly that byte of the data changes. In
  // the length prefix or the header JSON: an Error, or (a tensor name whose flipped byte is
  // still a valid name character) the same tensors with one renamed, the data untouched.
  uint64_t n = 0;
  std::memcpy(&n, good.data(), 8);
  const size_t data_begin = 8 + n;
  ASSERT_LT(data_begin, good.size());
  SafeTensors ref = SafeTensors::parse(good, "good");
  auto same_layout = [&](const SafeTensors& st) {
    if (st.tensors().size() != ref.tensors().size() || st.metadata() != ref.metadata()) return false;
    for (size_t t = 0; t < st.tensors().size(); ++t) {
      const TensorInfo &a = st.tensors()[t], &b = ref.tensors()[t];
      if (a.name != b.name || a.dtype != b.dtype || a.shape != b.shape || a.begin != b.begin || a.nbytes != b.nbytes)
        return false;
    }
    return true;
  };
  // The data buffer as the parsed file sees it (tensors cover it, in offset order).
  auto data_bytes = [](const SafeTensors& st) {
    std::string out;
    for (const TensorInfo& t : st.tensors()) out.append(reinterpret_cast<const char*>(st.data(t)), t.nbytes);
    return out;
  };
  const std::string ref_data = data_bytes(ref);
  ASSERT_EQ(ref_data, good.substr(data_begin));
  size_t header_throws = 0, header_renames = 0;
  for (size_t i = 0; i < good.size(); ++i) {
    std::string b = good;
    b[i] = static_cast<char>(b[i] ^ 0x5a);
    if (i >= data_begin) {
      SafeTensors st = SafeTensors::parse(b, "flip");
      ASSERT_TRUE(same_layout(st)) << "a data byte flip at " << i << " changed the header";
      std::string want = ref_data;
      want[i - data_begin] = b[i];
      ASSERT_TRUE(data_bytes(st) == want) << "flip at " << i << " is not exactly that byte of the data";
      continue;
    }
    try {
      SafeTensors st = SafeTensors::parse(b, "flip");
      // Only a rename can survive: same dtypes, shapes and offsets, one name different.
      ASSERT_EQ(st.tensors().size(), ref.tensors().size()) << i;
      size_t renamed = 0;
      for (size_t t = 0; t < st.tensors().size(); ++t) {
        const TensorInfo &a = st.tensors()[t], &r = ref.tensors()[t];
        EXPECT_TRUE(a.dtype == r.dtype && a.shape == r.shape && a.begin == r.begin && a.nbytes == r.nbytes) << i;
        renamed += a.name != r.name;
      }
      EXPECT_EQ(renamed, 1u) << "a header flip at " << i << " ('" << good[i] << "') went unnoticed";
      EXPECT_TRUE(data_bytes(st) == ref_data) << i;
      ++header_renames;
    } catch (const Error&) {
      ++header_throws;
    }
  }
  std::printf("header flips: %zu refused, %zu parse as another valid header\n", header_throws, header_renames);
  EXPECT_EQ(header_throws + header_renames, data_begin);
  EXPECT_GT(header_throws, data_begin * 9 / 10);
}

}  // namespace
}  // namespace engram
