#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.h"
#include "core/file.h"
#include "test_util.h"

namespace engram {

TEST(File, AtomicWriteRoundTrip) {
  std::string p = test::scratch_dir() + "/atomic.bin";
  std::string data(100000, 'x');
  data[5] = '\0';
  write_file_atomic(p, data);
  EXPECT_EQ(read_file(p), data);
  write_file_atomic(p, "short");
  EXPECT_EQ(read_file(p), "short");
  // No temp files are left beside the target.
  for (auto& e : std::filesystem::directory_iterator(test::scratch_dir()))
    EXPECT_EQ(e.path().filename().string().find(".atomic.bin.tmp"), std::string::npos);
}

TEST(File, AtomicCopyRoundTripAndErrors) {
  const std::string src = test::scratch_dir() + "/copy_src.bin", dst = test::scratch_dir() + "/copy_dst.bin";
  std::string data(9u << 20, '\0');  // more than one 8 MiB buffer, should the kernel copy be refused
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 131 + (i >> 12));
  write_file_atomic(src, data);
  write_file_atomic(dst, "old");
  copy_file_atomic(src, dst);
  EXPECT_EQ(read_file(dst), data);
  write_file_atomic(src, "");
  copy_file_atomic(src, dst);
  EXPECT_EQ(read_file(dst), "");
  // A missing source names itself and leaves the target as it was.
  write_file_atomic(dst, "kept");
  try {
    copy_file_atomic(test::scratch_dir() + "/no_such_src", dst);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_src"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_file(dst), "kept");
}

TEST(File, MissingFileNamesPath) {
  try {
    read_file("/nonexistent/engram/x.json");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/engram/x.json"), std::string::npos);
  }
}

TEST(File, WriteIntoMissingDirFails) {
  EXPECT_THROW(write_file_atomic("/nonexistent/engram/out.bin", "x"), Error);
}

}  // namespace engram
