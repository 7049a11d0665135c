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
