// Conversions between the wire types of the public contracts (protos/) and Trappe's own
// C++ types, with validation that names the offending field.
#pragma once

#include <google/protobuf/timestamp.pb.h>

#include <optional>
#include <string_view>
#include <vector>

#include "trappe/common/civil_date.h"
#include "trappe/common/status.h"
#include "trappe/common/v1/common.pb.h"
#include "trappe/eventlog/event_log.h"

namespace trappe::service {

// INVALID_ARGUMENT "<field>: is required" when unset (all zero), "<field>: ..." when not a
// calendar date.
[[nodiscard]] Result<CivilDate> ToCivilDate(const common::v1::Date& date, std::string_view field);
// Like ToCivilDate, but an unset date gives `fallback`.
[[nodiscard]] Result<CivilDate> ToCivilDateOr(const common::v1::Date& date, std::string_view field,
                                              CivilDate fallback);
bool IsSet(const common::v1::Date& date);
// A date read back from the log or a store (validated when it was written): the date, or
// nullopt when it is unset or not a calendar date.
std::optional<CivilDate> DateIfValid(const common::v1::Date& date);
common::v1::Date ToProtoDate(CivilDate date);

Timestamp FromProtoTimestamp(const google::protobuf::Timestamp& t);
google::protobuf::Timestamp ToProtoTimestamp(Timestamp t);

common::v1::LogPosition ToProtoPosition(const eventlog::Position& position);
eventlog::Position FromProtoPosition(const common::v1::LogPosition& position);

template <typename RepeatedPositions>
void AppendPositions(const std::vector<eventlog::Position>& positions, RepeatedPositions* out) {
  for (const eventlog::Position& p : positions) *out->Add() = ToProtoPosition(p);
}

}  // namespace trappe::service
