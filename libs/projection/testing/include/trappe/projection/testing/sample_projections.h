// A sample projection and event builders for the projection engine's tests and benchmarks.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "trappe/eventlog/event_log.h"
#include "trappe/events/v1/envelope.pb.h"
#include "trappe/projection/projection.h"

namespace trappe::projection::testing {

// Counts events like a real read model would: sums per key, so any interleaving of
// partitions gives the same bytes.
//   per_aggregate:  "<tenant>/<aggregate_id>"  -> EncodeInt64(events of the aggregate)
//   per_type:       "<tenant>/<payload field>" -> EncodeInt64(events of that payload type)
class EventCountProjection : public Projection {
 public:
  enum Family : FamilyId { kPerAggregate = 0, kPerType = 1 };

  struct Options {
    std::vector<std::string> topics = {std::string(eventlog::kCaseEventsTopic)};
    bool skip_unknown = true;
    bool skip_undecodable = false;
    // Apply fails for this aggregate id after writing part of its changes (tests that an
    // error leaves nothing half-applied). Empty: never.
    std::string fail_on_aggregate;
    uint32_t version = 1;
  };

  EventCountProjection() : EventCountProjection(Options()) {}
  explicit EventCountProjection(Options options) : options_(std::move(options)) {}

  std::string Name() const override { return "test.event_count"; }
  uint32_t Version() const override { return options_.version; }
  std::vector<std::string> Topics() const override { return options_.topics; }
  std::vector<std::string> ColumnFamilies() const override { return {"per_aggregate", "per_type"}; }
  Status Apply(const Event& event, ApplyContext& context) const override;
  BadRecordAction OnBadRecord(BadRecordKind kind,
                              const eventlog::StoredRecord& record) const override;

 private:
  Options options_;
};

// Adds `delta` to the counter at `key` (absent = 0).
Status AddToCounter(ApplyContext& context, FamilyId family, std::string_view key, int64_t delta);

// An envelope with a payload chosen by `kind` (0..4: case opened, caseworker assigned,
// weight assessed, follow-up recorded, case closed).
events::v1::EventEnvelope MakeEnvelope(std::string_view tenant, std::string_view case_id,
                                       uint64_t version, int kind);
// A case-events record keyed "<tenant>/<case_id>".
eventlog::Record CaseRecord(std::string_view tenant, std::string_view case_id, uint64_t version,
                            int kind);
// A valid envelope carrying a payload field this build does not know (a newer writer).
std::string UnknownPayloadBytes(std::string_view tenant, std::string_view case_id);
// Bytes that do not parse as an envelope.
std::string UndecodableBytes();

// What EventCountProjection's per_aggregate family must hold after applying `records`,
// counted straight from the log: "<tenant>/<aggregate_id>" -> count. Records that are not
// envelopes with a known payload are not counted.
std::map<std::string, int64_t> CountPerAggregate(
    const std::vector<eventlog::StoredRecord>& records);

}  // namespace trappe::projection::testing
