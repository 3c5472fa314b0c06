// The placements service's projection: one RocksDB store with a family per read model.
//
//   requests       the request index of the commands this service ran (request_index.h)
//   cases          "<tenant>/<case_id>" -> CaseRecord: the case's lifecycle (from the cases
//                  service's events), its interventions with every change, its plan
//   interventions  "<tenant>/<intervention_id>" -> case_id (commands name the intervention)
//   staircases     "<tenant>/s/<YYYY-MM-DD>" -> StaircaseVersion, and "<tenant>/v" -> the
//                  STAIRCASE aggregate's version
//   children       "<tenant>/<child_id>/<case_id>" -> "" (a child's cases)
//   timelines      "<tenant>/<case_id>" -> the case's step timeline (EncodeTimeline), derived
//                  from the case record whenever it is written
//
// A case's events and this service's events about it share the case's partition, and the
// staircase events share the municipality's: every record is written from one partition's
// events in that partition's order, so a rebuild reproduces the live store exactly.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/placements_store.pb.h"
#include "trappe/common/civil_date.h"
#include "trappe/common/status.h"
#include "trappe/projection/projection.h"
#include "trappe/projection/read_view.h"

namespace trappe::placements {

inline constexpr projection::FamilyId kRequestsFamily = 0;
inline constexpr projection::FamilyId kCasesFamily = 1;
inline constexpr projection::FamilyId kInterventionsFamily = 2;
inline constexpr projection::FamilyId kStaircasesFamily = 3;
inline constexpr projection::FamilyId kChildrenFamily = 4;
inline constexpr projection::FamilyId kTimelinesFamily = 5;

class PlacementsProjection final : public projection::Projection {
 public:
  std::string Name() const override { return "placements"; }
  uint32_t Version() const override { return 2; }
  std::vector<std::string> Topics() const override;
  std::vector<std::string> ColumnFamilies() const override;
  Status Apply(const projection::Event& event, projection::ApplyContext& context) const override;
  projection::BadRecordAction OnBadRecord(projection::BadRecordKind kind,
                                          const eventlog::StoredRecord& record) const override;
};

std::string CaseKey(std::string_view tenant, std::string_view case_id);
std::string InterventionKey(std::string_view tenant, std::string_view intervention_id);

// The intervention of a case record with this id, or null.
store::InterventionRecord* FindIntervention(store::CaseRecord& record, std::string_view id);

// Reads for handlers.
Result<std::optional<store::CaseRecord>> LoadCase(const projection::ReadView& view,
                                                  std::string_view tenant,
                                                  std::string_view case_id);
// The case an intervention belongs to, if known.
Result<std::optional<std::string>> CaseOfIntervention(const projection::ReadView& view,
                                                      std::string_view tenant,
                                                      std::string_view intervention_id);
// The case ids of a child.
Result<std::vector<std::string>> CasesOfChild(const projection::ReadView& view,
                                              std::string_view tenant, std::string_view child_id);
// Every version of the municipality's staircase, by effective date.
Result<std::vector<store::StaircaseVersion>> LoadStaircases(const projection::ReadView& view,
                                                            std::string_view tenant);
// The STAIRCASE aggregate's version (0 while only the registration's preset exists).
Result<uint64_t> StaircaseAggregateVersion(const projection::ReadView& view,
                                           std::string_view tenant);
// Calls fn for every case of the tenant; the record is reused between calls.
Status ForEachCase(const projection::ReadView& view, std::string_view tenant,
                   const std::function<void(const store::CaseRecord&)>& fn);

// Calls fn with every case timeline of the tenant (EncodeTimeline); fn returns false for
// one it cannot decode (DATA_LOSS).
Status ForEachTimeline(const projection::ReadView& view, std::string_view tenant,
                       const std::function<bool(std::string_view)>& fn);

// The version in force on `date`: the latest effective on or before it, else the first
// (the registration's preset applies before any later configuration). Null when none.
const store::StaircaseVersion* StaircaseOn(const std::vector<store::StaircaseVersion>& versions,
                                           CivilDate date);

}  // namespace trappe::placements
