// The scheduling projection: every case's facts (its timeline), the municipality's rule
// configurations, caseworkers' teams, and the due-date index of open deadlines "as known
// now" (docs/scheduling.md explains how an as_of query uses it).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "src/timeline.h"
#include "trappe/projection/projection.h"
#include "trappe/projection/read_view.h"
#include "trappe/rules_proto/follow_up_rules.h"
#include "trappe/scheduling/v1/events.pb.h"
#include "trappe/scheduling/v1/service.pb.h"

namespace trappe::scheduling {

enum Family : projection::FamilyId {
  kRequests = 0,  // the request index (request_index.h)
  kFacts,         // <tenant>/<case_id>/<offset>: the case's fact events, in log order
  kCases,         // <tenant>/<case_id>: CaseMeta
  kDue,           // <tenant>/<due><case_id>/<deadline_id>: earliest open per track, as known now
  kLatest,        // <tenant>/<~latest><case_id>: the case's latest fact date, newest first
  kRules,         // <tenant>/<effective_from>: FollowUpRulesConfigured
  kOrg,           // <tenant>/cw/<id>: team; <tenant>/rsv: rule set version; <tenant>/fu/<request>
  kDueByWorker,   // <tenant>/<caseworker>\0<due><case_id>/<deadline_id>: kDue by responsible
  kDueCount,      // <tenant>/<due>: how many kDue entries fall due that day
};

// What the projection keeps about a case besides its facts.
struct CaseMeta {
  uint64_t schedule_version = 0;  // FOLLOW_UP_SCHEDULE aggregate version
  std::optional<CivilDate> latest;
  std::vector<std::string> index_keys;  // its current entries in kDue
};

// A municipality's rules, compiled, with the configurations they came from.
struct TenantRules {
  rules_proto::CompiledRules compiled;
  std::vector<v1::FollowUpRulesConfigured> configurations;  // by effective_from
};

// Reads the store, whether from Apply or from a query.
struct StoreReader {
  std::function<Result<std::optional<std::string>>(projection::FamilyId, std::string_view)> get;
  std::function<Status(projection::FamilyId, std::string_view, const projection::ScanFn&)> scan;
};
StoreReader ReaderOf(const projection::ReadView& view);
StoreReader ReaderOf(projection::ApplyContext& context);

std::string EncodeMeta(const CaseMeta& meta);
CaseMeta DecodeMeta(std::string_view bytes);

// The value of a kDue entry: the case's primary caseworker, the deadline's responsible
// caseworker (so that filters need not parse the deadline) and the deadline.
std::string EncodeDueEntry(const std::string& primary, const v1::Deadline& deadline);
struct DueEntry {
  std::string_view primary;
  std::string_view responsible;
  std::string_view deadline;  // a serialised v1::Deadline
};
bool SplitDueEntry(std::string_view bytes, DueEntry* entry);
std::string WorkerDuePrefix(std::string_view tenant, std::string_view caseworker);

std::string DueKeyPrefix(std::string_view tenant, CivilDate due);

class SchedulingProjection final : public projection::Projection {
 public:
  std::string Name() const override { return "scheduling"; }
  std::vector<std::string> Topics() const override;
  std::vector<std::string> ColumnFamilies() const override;
  Status Apply(const projection::Event& event, projection::ApplyContext& context) const override;
  projection::BadRecordAction OnBadRecord(projection::BadRecordKind kind,
                                          const eventlog::StoredRecord& record) const override;

  // The rules of a municipality (null when none were ever configured).
  Result<std::shared_ptr<const TenantRules>> LoadRules(const StoreReader& reader,
                                                       std::string_view tenant) const;
  // The case's facts; nullopt when the service knows nothing of the case.
  Result<std::optional<CaseFacts>> LoadFacts(const StoreReader& reader, std::string_view tenant,
                                             std::string_view case_id) const;

 private:
  Status ApplyCaseEvent(const projection::Event& event, projection::ApplyContext& context) const;
  Status ApplyRules(const projection::Event& event, projection::ApplyContext& context) const;
  Status Reindex(projection::ApplyContext& context, const std::string& tenant,
                 const std::string& case_id) const;

  mutable std::mutex cache_mu_;
  // Compiled rules by tenant, with the stored bytes they were compiled from.
  mutable std::map<std::string, std::pair<std::string, std::shared_ptr<const TenantRules>>> cache_;
};

// A derived deadline in wire form; the responsible caseworker is whoever holds the role
// on `as_of`, the team the one the case was opened in.
v1::Deadline ToWire(const TenantRules& rules, const CaseFacts& facts, std::string_view case_id,
                    const rules::Deadline& d, CivilDate as_of);
std::string DeadlineId(const std::string& rule_set, const rules::Deadline& d);

}  // namespace trappe::scheduling
