#include "trappe/service/convert.h"

#include <string>

namespace trappe::service {

bool IsSet(const common::v1::Date& date) {
  return date.year() != 0 || date.month() != 0 || date.day() != 0;
}

std::optional<CivilDate> DateIfValid(const common::v1::Date& date) {
  if (!IsSet(date)) return std::nullopt;
  auto parsed = CivilDate::FromYmd(date.year(), date.month(), date.day());
  if (!parsed.ok()) return std::nullopt;
  return *parsed;
}

Result<CivilDate> ToCivilDate(const common::v1::Date& date, std::string_view field) {
  if (!IsSet(date)) return InvalidArgument(field, "is required");
  auto civil = CivilDate::FromYmd(date.year(), date.month(), date.day());
  if (!civil.ok()) return InvalidArgument(field, civil.status().message());
  return civil;
}

Result<CivilDate> ToCivilDateOr(const common::v1::Date& date, std::string_view field,
                                CivilDate fallback) {
  if (!IsSet(date)) return fallback;
  return ToCivilDate(date, field);
}

common::v1::Date ToProtoDate(CivilDate date) {
  common::v1::Date out;
  out.set_year(date.year());
  out.set_month(date.month());
  out.set_day(date.day());
  return out;
}

Timestamp FromProtoTimestamp(const google::protobuf::Timestamp& t) {
  return TimestampFromUnixMicros(t.seconds() * 1'000'000 + t.nanos() / 1000);
}

google::protobuf::Timestamp ToProtoTimestamp(Timestamp t) {
  const int64_t micros = UnixMicros(t);
  int64_t seconds = micros / 1'000'000;
  int64_t rest = micros % 1'000'000;
  if (rest < 0) {
    rest += 1'000'000;
    --seconds;
  }
  google::protobuf::Timestamp out;
  out.set_seconds(seconds);
  out.set_nanos(static_cast<int32_t>(rest * 1000));
  return out;
}

common::v1::LogPosition ToProtoPosition(const eventlog::Position& position) {
  common::v1::LogPosition out;
  out.set_topic(position.topic);
  out.set_partition(position.partition);
  out.set_offset(position.offset);
  return out;
}

eventlog::Position FromProtoPosition(const common::v1::LogPosition& position) {
  return {position.topic(), position.partition(), position.offset()};
}

}  // namespace trappe::service
