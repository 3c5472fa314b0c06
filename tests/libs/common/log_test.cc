#include "trappe/common/log.h"

#include <gtest/gtest.h>

namespace trappe::log {
namespace {

TEST(LogTest, TextLinesAreKeyValuePairs) {
  EXPECT_EQ(FormatLine(Format::kText, Level::kInfo, "projection.caught_up",
                       {{"projection", "cases"}, {"lag", 0}, {"ok", true}}),
            "projection.caught_up projection=cases lag=0 ok=true");
  EXPECT_EQ(FormatLine(Format::kText, Level::kWarn, "record.skipped", {{"reason", "unknown type"}}),
            R"(record.skipped reason="unknown type")");
}

TEST(LogTest, JsonLinesEscapeStrings) {
  EXPECT_EQ(FormatLine(Format::kJson, Level::kInfo, "a", {{"msg", "say \"hi\"\n"}, {"n", 3}}),
            R"("event":"a","msg":"say \"hi\"\n","n":3)");
}

TEST(LogTest, ParsesLevels) {
  Level level = Level::kInfo;
  EXPECT_TRUE(ParseLevel("debug", &level));
  EXPECT_EQ(level, Level::kDebug);
  EXPECT_FALSE(ParseLevel("verbose", &level));
  EXPECT_EQ(level, Level::kDebug);
}

}  // namespace
}  // namespace trappe::log
