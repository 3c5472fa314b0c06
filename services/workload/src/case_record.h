// What the workload projection keeps about one child's case: the facts the weight rules
// read (rules::CaseWeightFacts), folded from the case's events in log order, plus the team
// the case was opened in. Stored as a compact binary value, because a team query decodes
// hundreds of these per call.
#pragma once

#include <string>
#include <string_view>

#include "trappe/common/status.h"
#include "trappe/events/v1/envelope.pb.h"
#include "trappe/rules/weights.h"

namespace trappe::workload {

struct CaseRecord {
  std::string team_id;  // from CaseOpened; "" until it arrives
  rules::CaseWeightFacts facts;
};

// Folds one case or placement event into the record. Returns false when the event says
// nothing the weight rules read (the record is unchanged). Back-dated contradictions
// (a close before the opening, an unassignment before the assignment) are clamped so the
// facts stay valid for the rules: the later fact takes effect on the earlier date.
bool FoldCaseEvent(const events::v1::EventEnvelope& event, CaseRecord& record);

std::string EncodeCaseRecord(const CaseRecord& record);
[[nodiscard]] Result<CaseRecord> DecodeCaseRecord(std::string_view case_id, std::string_view bytes);

}  // namespace trappe::workload
