// Conversions between the weight table of the contract (trappe.workload.v1.WeightTable:
// whole points, shares in basis points) and the rules' WeightTable (hundredths of a
// point, shares in per cent), and the units of loads (rules: hundredths; API:
// millipoints).
#pragma once

#include <string_view>

#include "trappe/common/status.h"
#include "trappe/rules/weights.h"
#include "trappe/workload/v1/types.pb.h"

namespace trappe::workload {

// INVALID_ARGUMENT naming the field under `field` (e.g. "weight_table.grade_points").
[[nodiscard]] Result<rules::WeightTable> WeightTableFromProto(const v1::WeightTable& table,
                                                              std::string_view field);
v1::WeightTable WeightTableToProto(const rules::WeightTable& table);

inline int64_t ToMillipoints(rules::Points points) { return points.hundredths() * 10; }

rules::CaseGrade GradeFromProto(cases::v1::CaseGrade grade);
cases::v1::CaseGrade GradeToProto(rules::CaseGrade grade);

}  // namespace trappe::workload
