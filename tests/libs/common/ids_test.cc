#include "trappe/common/ids.h"

#include <gtest/gtest.h>

#include <set>

namespace trappe {
namespace {

TEST(IdsTest, NewUuidIsVersion4AndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = NewUuid();
    ASSERT_TRUE(IsUuid(id)) << id;
    EXPECT_EQ(id[14], '4') << id;                               // version nibble
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;  // variant
    EXPECT_TRUE(seen.insert(id).second) << "duplicate " << id;
  }
}

TEST(IdsTest, IsUuidRejectsOtherShapes) {
  EXPECT_TRUE(IsUuid("3B241101-E2BB-4255-8CAF-4136C566A962"));
  EXPECT_FALSE(IsUuid(""));
  EXPECT_FALSE(IsUuid("3b241101e2bb42558caf4136c566a962"));
  EXPECT_FALSE(IsUuid("3b241101-e2bb-4255-8caf-4136c566a96"));
  EXPECT_FALSE(IsUuid("3b241101-e2bb-4255-8caf-4136c566a96g"));
  EXPECT_FALSE(IsUuid("3b241101-e2bb-4255+8caf-4136c566a962"));
}

TEST(IdsTest, SequentialGeneratorCountsUpInUuidShape) {
  SequentialIdGenerator ids;
  EXPECT_EQ(ids.NewId(), "00000000-0000-4000-8000-000000000001");
  EXPECT_EQ(ids.NewId(), "00000000-0000-4000-8000-000000000002");
  EXPECT_TRUE(IsUuid(ids.NewId()));
}

}  // namespace
}  // namespace trappe
