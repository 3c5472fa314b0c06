// The state of a case as a fold over its events: one pure function shared by the live
// projection and by the case-as-of-a-date query, so the two can never disagree.
#pragma once

#include <string>

#include "trappe/cases/v1/service.pb.h"
#include "trappe/events/v1/envelope.pb.h"

namespace trappe::cases {

// True for the payloads the cases service writes (the CASE aggregate's events).
bool IsCaseServiceEvent(const events::v1::EventEnvelope& event);

// Applies one event of the case to `state` (ignores events of other services). Never
// fails: an event that names an unknown report or investigation changes nothing.
void FoldCaseEvent(const events::v1::EventEnvelope& event, v1::Case* state);

// The order readers see: the primary caseworker first; unassessed reports first, then the
// newest; running investigations first, then the newest.
void SortForReaders(v1::Case* state);

// One readable sentence about the event, without personal data: sealed data reads
// "[personal data]", or "[erased]" when `erased`.
std::string Summarize(const events::v1::EventEnvelope& event, bool erased);

// "LEGAL_BASIS_REPORT_OF_CONCERN" -> "report of concern" (strips `prefix`).
std::string Readable(const std::string& enum_name, std::string_view prefix);

}  // namespace trappe::cases
