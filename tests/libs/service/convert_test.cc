#include "trappe/service/convert.h"

#include <gtest/gtest.h>

#include "trappe/service/validate.h"
#include "trappe/testing/status_matchers.h"

namespace trappe::service {
namespace {

TEST(ConvertTest, DatesRoundTripAndInvalidOnesNameTheField) {
  const CivilDate d = CivilDate::Parse("2024-02-29").value();
  ASSERT_OK_AND_ASSIGN(const CivilDate back, ToCivilDate(ToProtoDate(d), "opened_on"));
  EXPECT_EQ(back, d);
  EXPECT_STATUS(ToCivilDate({}, "opened_on"), StatusCode::kInvalidArgument,
                "opened_on: is required");
  common::v1::Date bad;
  bad.set_year(2023);
  bad.set_month(2);
  bad.set_day(29);
  EXPECT_STATUS(ToCivilDate(bad, "opened_on"), StatusCode::kInvalidArgument,
                "opened_on: 2023-02-29 is not a calendar date");
  ASSERT_OK_AND_ASSIGN(const CivilDate fallback, ToCivilDateOr({}, "as_of", d));
  EXPECT_EQ(fallback, d);
}

TEST(ConvertTest, TimestampsRoundTripWithMicroseconds) {
  const Timestamp t = ParseTimestamp("2026-03-02T09:15:00.123456Z").value();
  const google::protobuf::Timestamp proto = ToProtoTimestamp(t);
  EXPECT_EQ(proto.seconds(), 1772442900);
  EXPECT_EQ(proto.nanos(), 123456000);
  EXPECT_EQ(FromProtoTimestamp(proto), t);
  const Timestamp before_epoch = ParseTimestamp("1969-12-31T23:59:59.5Z").value();
  EXPECT_EQ(ToProtoTimestamp(before_epoch).seconds(), -1);
  EXPECT_EQ(ToProtoTimestamp(before_epoch).nanos(), 500000000);
  EXPECT_EQ(FromProtoTimestamp(ToProtoTimestamp(before_epoch)), before_epoch);
}

TEST(ValidateTest, TenantsIdsTextAndFutureDates) {
  EXPECT_OK(ValidateTenant("0657"));
  EXPECT_STATUS(ValidateTenant(""), StatusCode::kInvalidArgument, "tenant: is required");
  EXPECT_STATUS(ValidateTenant("06a7"), StatusCode::kInvalidArgument, "tenant");
  EXPECT_STATUS(ValidateId("nope", "case_id"), StatusCode::kInvalidArgument,
                "case_id: must be a UUID");
  EXPECT_OK(ValidateId("3b241101-e2bb-4255-8caf-4136c566a962", "case_id"));
  EXPECT_STATUS(ValidateText("a\nb", "reason_text"), StatusCode::kInvalidArgument,
                "control characters");
  const CivilDate today = CivilDate::Parse("2026-11-22").value();
  EXPECT_OK(ValidateNotFuture(today, today, "opened_on"));
  EXPECT_STATUS(ValidateNotFuture(today.AddDays(1), today, "opened_on"),
                StatusCode::kInvalidArgument, "opened_on: 2026-11-23 is in the future");
}

}  // namespace
}  // namespace trappe::service
