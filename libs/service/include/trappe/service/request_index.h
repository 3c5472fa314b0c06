// The request index: which events a command's request_id produced, so that a repeated
// request_id returns the original result and writes nothing (DESIGN.md section 3).
//
// The index is a read model like any other, derived from the envelopes' request_id
// fields; the writing service keeps it in a column family of its own projection by
// calling IndexRequest from Apply for the events it writes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "trappe/common/status.h"
#include "trappe/eventlog/event_log.h"
#include "trappe/projection/projection.h"
#include "trappe/projection/read_view.h"

namespace trappe::service {

// What a command wrote: the aggregate it wrote to, its version afterwards, and the
// positions of its events.
struct CommandOutcome {
  std::string aggregate_id;
  uint64_t version = 0;
  std::vector<eventlog::Position> positions;
  bool replayed = false;  // true when this is the stored result of an earlier call
};

// Adds `event` to the outcome of its request_id (key "<tenant>/<request_id>").
// Events without a request_id are ignored.
[[nodiscard]] Status IndexRequest(projection::ApplyContext& context, projection::FamilyId family,
                                  const projection::Event& event);

// The outcome stored for a request_id, if any.
[[nodiscard]] Result<std::optional<CommandOutcome>> LookupRequest(
    const projection::ReadView& view, projection::FamilyId family, std::string_view tenant,
    std::string_view request_id);

}  // namespace trappe::service
