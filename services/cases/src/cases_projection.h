// The cases projection: every read model of the cases service in one RocksDB (DESIGN.md
// section 4), derived from trappe.case-events.v1 only.
//
// Column families (every key starts with the tenant):
//   requests       the request index (request_index.h)
//   cases          <tenant>/<case_id> -> v1.Case (current state; personal data never in clear)
//   sealed         <tenant>/<case_id> -> v1.EncryptedPersonalData of its CaseOpened
//   children       <tenant>/<child_id> -> "<blind index hex>/<key_id>"
//   cpr_index      <tenant>/<blind index hex>/<child_id> -> key_id (dropped on erasure)
//   erased         <tenant>/<child_id> -> "" (the child's data key was erased)
//   child_cases    <tenant>/<child_id>/<case_id> -> ""
//   by_caseworker  <tenant>/<caseworker_id>/<case_id> -> "" (current roles)
//   history        <tenant>/<case_id>/<offset, 8 bytes BE> -> v1.CaseHistoryEntry (position
//                  and envelope; every event with the case's id, from every service)
//
// The key store is NOT here: keys cannot be derived from the log (personal_data_vault.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "trappe/projection/projection.h"

namespace trappe::cases {

enum Family : projection::FamilyId {
  kRequests = 0,
  kCases,
  kSealed,
  kChildren,
  kCprIndex,
  kErased,
  kChildCases,
  kByCaseworker,
  kHistory,
};

class CasesProjection final : public projection::Projection {
 public:
  std::string Name() const override { return "cases"; }
  std::vector<std::string> Topics() const override;
  std::vector<std::string> ColumnFamilies() const override;
  [[nodiscard]] Status Apply(const projection::Event& event,
                             projection::ApplyContext& context) const override;
  projection::BadRecordAction OnBadRecord(projection::BadRecordKind kind,
                                          const eventlog::StoredRecord& record) const override;
};

std::string HexOf(std::string_view bytes);

// Keys of the history family: every entry of a case starts with HistoryPrefix; the case's
// events share one partition of the case topic, so the offset orders them.
std::string HistoryPrefix(std::string_view tenant, std::string_view case_id);
std::string HistoryKey(std::string_view tenant, std::string_view case_id, int64_t offset);

}  // namespace trappe::cases
