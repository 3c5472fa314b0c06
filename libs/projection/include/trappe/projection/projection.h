// Projection: a read model derived from the event log (DESIGN.md section 4).
//
// A projection names the topics it consumes and the column families it owns, and turns
// one decoded event into writes on its own state. The engine (engine.h) feeds it, commits
// its writes together with the log checkpoints, and can rebuild it from the start of the
// log. Because a rebuild must reproduce the live store byte for byte, Apply may depend
// only on the event and on the projection's own state: never on a clock, on randomness,
// or on the order in which different partitions happen to be delivered.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "trappe/common/status.h"
#include "trappe/eventlog/event_log.h"

namespace trappe::events::v1 {
class EventEnvelope;
}  // namespace trappe::events::v1

namespace trappe::projection {

// A column family of a projection: its index in Projection::ColumnFamilies().
using FamilyId = size_t;

// A record the engine could not hand to Apply.
enum class BadRecordKind {
  kUndecodable,   // the value is not a parseable EventEnvelope
  kUnknownEvent,  // an envelope whose payload this build does not know (a newer writer)
};
std::string_view BadRecordKindName(BadRecordKind kind);

enum class BadRecordAction {
  kSkip,  // counted, logged, and the checkpoint moves past it
  kStop,  // the projection stops before it with an error the operator sees
};

// The policy the Trappe services share for a record the engine cannot hand to Apply. It
// reads the record's event-type header, which every Trappe writer sets:
//  - a type that `needed` accepts: stop (skipping it would be a silent wrong answer);
//  - any other type: skip (another service's newer event, another system's record);
//  - no type at all: an undecodable record is no Trappe event (something put on the topic by
//    hand or by a foreign producer), so skip it; an envelope of an unknown kind without a
//    type cannot be judged, so stop.
// Every decision is logged with the record's position.
BadRecordAction DecideByEventType(std::string_view projection_name, BadRecordKind kind,
                                  const eventlog::StoredRecord& record,
                                  const std::function<bool(std::string_view type)>& needed);

// One record of the log, decoded.
struct Event {
  const eventlog::StoredRecord& record;
  const events::v1::EventEnvelope& envelope;
};

// Called for each entry of a scan; return false to stop early.
using ScanFn = std::function<bool(std::string_view key, std::string_view value)>;

// The projection's window on its own state while it applies a batch. Writes go into the
// batch being built; reads see the committed state plus every write made earlier in the
// same batch, so Apply never has to care where a batch starts or ends.
class ApplyContext {
 public:
  virtual ~ApplyContext() = default;

  [[nodiscard]] virtual Status Put(FamilyId family, std::string_view key,
                                   std::string_view value) = 0;
  [[nodiscard]] virtual Status Delete(FamilyId family, std::string_view key) = 0;
  // The value of `key`, or nullopt when it has none.
  [[nodiscard]] virtual Result<std::optional<std::string>> Get(FamilyId family,
                                                               std::string_view key) = 0;
  // Every key starting with `prefix`, in key order. Writes made by `fn` itself may or may
  // not be visited.
  [[nodiscard]] virtual Status Scan(FamilyId family, std::string_view prefix, const ScanFn& fn) = 0;
};

class Projection {
 public:
  virtual ~Projection() = default;

  // A stable name, stored with the projection's data ("cases.case_state").
  virtual std::string Name() const = 0;

  // Bump when Apply changes meaning: a store written by another version is thrown away
  // and rebuilt from the log when the engine opens it.
  virtual uint32_t Version() const { return 1; }

  // The topics whose every partition the projection consumes.
  virtual std::vector<std::string> Topics() const = 0;

  // The column families the projection owns; FamilyId is the index in this list. The
  // names "default" and "meta" are the engine's.
  virtual std::vector<std::string> ColumnFamilies() const = 0;

  // Applies one event. An error stops the projection before this event (nothing of it is
  // written, the checkpoint stays before it) and is reported by Engine::Health(). Called
  // from the live thread and from a rebuild at the same time, so it must be const in
  // spirit as well as in name.
  [[nodiscard]] virtual Status Apply(const Event& event, ApplyContext& context) const = 0;

  // Whether the projection may go past a record it cannot see. Skip only what the read
  // model does not need; the default stops, because a silent skip would be a silent
  // wrong answer.
  virtual BadRecordAction OnBadRecord(BadRecordKind /*kind*/,
                                      const eventlog::StoredRecord& /*record*/) const {
    return BadRecordAction::kStop;
  }
};

}  // namespace trappe::projection
