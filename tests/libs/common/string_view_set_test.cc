#include "trappe/common/string_view_set.h"

#include <gtest/gtest.h>

#include <deque>
#include <string>

namespace trappe {
namespace {

TEST(StringViewSetTest, FindsWhatWasInsertedAndNothingElse) {
  const std::string a = "case-1", b = "case-2", also_a = "case-1";
  StringViewSet set;
  EXPECT_TRUE(set.empty());
  EXPECT_TRUE(set.insert(a));
  EXPECT_TRUE(set.insert(b));
  EXPECT_FALSE(set.insert(also_a)) << "equal content is the same element";
  EXPECT_EQ(set.size(), 2u);
  EXPECT_TRUE(set.contains("case-1"));
  EXPECT_TRUE(set.contains(b));
  EXPECT_FALSE(set.contains("case-3"));
  EXPECT_FALSE(set.contains("case-"));
  EXPECT_FALSE(set.contains(""));
}

TEST(StringViewSetTest, KeepsEveryElementAcrossGrowth) {
  // Starts with room for 4, so 3,000 ids grow it nine times.
  std::deque<std::string> ids;
  for (int i = 0; i < 3000; ++i) ids.push_back("c" + std::to_string(i));
  StringViewSet set(4);
  for (const std::string& id : ids) ASSERT_TRUE(set.insert(id)) << id;
  EXPECT_EQ(set.size(), 3000u);
  for (const std::string& id : ids) EXPECT_TRUE(set.contains(id)) << id;
  for (int i = 3000; i < 3100; ++i) EXPECT_FALSE(set.contains("c" + std::to_string(i)));
  for (const std::string& id : ids) EXPECT_FALSE(set.insert(id)) << id;
  EXPECT_EQ(set.size(), 3000u);
}

TEST(StringViewSetTest, TheEmptyStringIsAnElementLikeAnyOther) {
  StringViewSet set;
  EXPECT_FALSE(set.contains(""));
  EXPECT_TRUE(set.insert(std::string_view()));  // a default view: the empty string
  EXPECT_TRUE(set.contains(""));
  EXPECT_TRUE(set.contains(std::string_view()));
  EXPECT_FALSE(set.insert(""));
  EXPECT_EQ(set.size(), 1u);
}

TEST(StringViewSetTest, ClearEmptiesIt) {
  const std::string a = "x";
  StringViewSet set;
  ASSERT_TRUE(set.insert(a));
  set.clear();
  EXPECT_TRUE(set.empty());
  EXPECT_FALSE(set.contains("x"));
  EXPECT_TRUE(set.insert(a));
}

}  // namespace
}  // namespace trappe
