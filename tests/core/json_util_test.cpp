#include <gtest/gtest.h>

#include "core/error.h"
#include "core/json_util.h"
#include "test_util.h"

namespace engram {

using test::error_of;

TEST(JsonUtil, ParseErrorNamesSourceAndOffset) {
  std::string msg = error_of([] { parse_json("{\"a\": [1, 2", "cfg.json"); });
  EXPECT_NE(msg.find("cfg.json"), std::string::npos);
  EXPECT_NE(msg.find("byte"), std::string::npos);
}

TEST(JsonUtil, FieldErrorsNameThePath) {
  Json j = parse_json(R"({"a": 1.5, "b": [1, "x"], "c": "s"})", "t");
  EXPECT_NE(error_of([&] { json_field(j, "zz", "t.json"); }).find("missing field 'zz'"), std::string::npos);
  EXPECT_NE(error_of([&] { json_int(j["a"], "t.json: a"); }).find("t.json: a"), std::string::npos);
  EXPECT_NE(error_of([&] { json_int_array(j["b"], "t.json: b"); }).find("b[1]"), std::string::npos);
  EXPECT_EQ(json_string(j["c"], "c"), "s");
  EXPECT_EQ(json_int_array(parse_json("[1,2,3]", "t"), "x"), (std::vector<int64_t>{1, 2, 3}));
}

}  // namespace engram
