#include "src/projection.h"

#include <algorithm>

#include "trappe/common/log.h"
#include "trappe/events/headers.h"
#include "trappe/events/v1/envelope.pb.h"
#include "trappe/projection/keys.h"
#include "trappe/service/convert.h"
#include "trappe/service/request_index.h"

namespace trappe::scheduling {
namespace {

using events::v1::EventEnvelope;
using projection::AppendInt64;
using projection::DecodeInt64;
using projection::TenantPrefix;

// Days since 1970 shifted so that every representable date encodes as a sortable
// non-negative number.
constexpr int64_t kDayBias = 1'000'000;
constexpr int64_t kMaxDay = int64_t{1} << 40;

int64_t DayNumber(CivilDate d) { return d.days_since_epoch() + kDayBias; }
CivilDate FromDayNumber(int64_t n) { return CivilDate::FromDaysSinceEpoch(n - kDayBias); }

void PutString(std::string* out, std::string_view s) {
  AppendInt64(out, static_cast<int64_t>(s.size()));
  out->append(s);
}

bool GetString(std::string_view* in, std::string* out) {
  if (in->size() < 8) return false;
  auto n = DecodeInt64(in->substr(0, 8));
  if (!n || *n < 0 || static_cast<size_t>(*n) > in->size() - 8) return false;
  out->assign(in->substr(8, static_cast<size_t>(*n)));
  in->remove_prefix(8 + static_cast<size_t>(*n));
  return true;
}

std::string FactsPrefix(std::string_view tenant, std::string_view case_id) {
  std::string key = TenantPrefix(tenant);
  key.append(case_id);
  key.push_back('/');
  return key;
}

std::string CaseKey(std::string_view tenant, std::string_view case_id) {
  std::string key = TenantPrefix(tenant);
  key.append(case_id);
  return key;
}

std::string LatestKey(std::string_view tenant, CivilDate latest, std::string_view case_id) {
  std::string key = TenantPrefix(tenant);
  AppendInt64(&key, kMaxDay - DayNumber(latest));
  key.append(case_id);
  return key;
}

std::string RulesKey(std::string_view tenant, CivilDate from) {
  std::string key = TenantPrefix(tenant);
  AppendInt64(&key, DayNumber(from));
  return key;
}

v1::DeadlineState WireState(rules::DeadlineState state) {
  switch (state) {
    case rules::DeadlineState::kOpen:
    case rules::DeadlineState::kOverdue: return v1::DEADLINE_STATE_OPEN;
    case rules::DeadlineState::kMetOnTime: return v1::DEADLINE_STATE_MET_ON_TIME;
    case rules::DeadlineState::kMetLate: return v1::DEADLINE_STATE_MET_LATE;
    case rules::DeadlineState::kMissed: return v1::DEADLINE_STATE_MISSED;
    case rules::DeadlineState::kDropped: return v1::DEADLINE_STATE_DROPPED;
  }
  return v1::DEADLINE_STATE_UNSPECIFIED;
}

// The number of index entries due on one day; a day with none has no key, so the
// content depends only on the entries.
Status AddToCount(projection::ApplyContext& context, std::string_view day_key, int64_t delta) {
  TRAPPE_ASSIGN_OR_RETURN(auto stored, context.Get(kDueCount, day_key));
  const int64_t count = (stored ? DecodeInt64(*stored).value_or(0) : 0) + delta;
  if (count <= 0) return context.Delete(kDueCount, day_key);
  return context.Put(kDueCount, day_key, projection::EncodeInt64(count));
}

}  // namespace

StoreReader ReaderOf(const projection::ReadView& view) {
  return {[&view](projection::FamilyId f, std::string_view k) { return view.Get(f, k); },
          [&view](projection::FamilyId f, std::string_view p, const projection::ScanFn& fn) {
            return view.Scan(f, p, fn);
          }};
}

StoreReader ReaderOf(projection::ApplyContext& context) {
  return {[&context](projection::FamilyId f, std::string_view k) { return context.Get(f, k); },
          [&context](projection::FamilyId f, std::string_view p, const projection::ScanFn& fn) {
            return context.Scan(f, p, fn);
          }};
}

std::string EncodeMeta(const CaseMeta& meta) {
  std::string out;
  AppendInt64(&out, static_cast<int64_t>(meta.schedule_version));
  AppendInt64(&out, meta.latest ? DayNumber(*meta.latest) : 0);
  AppendInt64(&out, static_cast<int64_t>(meta.index_keys.size()));
  for (const std::string& key : meta.index_keys) PutString(&out, key);
  return out;
}

CaseMeta DecodeMeta(std::string_view in) {
  CaseMeta meta;
  if (in.size() < 24) return meta;
  meta.schedule_version = static_cast<uint64_t>(*DecodeInt64(in.substr(0, 8)));
  const int64_t latest = *DecodeInt64(in.substr(8, 8));
  if (latest != 0) meta.latest = FromDayNumber(latest);
  const int64_t n = *DecodeInt64(in.substr(16, 8));
  in.remove_prefix(24);
  for (int64_t i = 0; i < n; ++i) {
    std::string key;
    if (!GetString(&in, &key)) break;
    meta.index_keys.push_back(std::move(key));
  }
  return meta;
}

std::string EncodeDueEntry(const std::string& primary, const v1::Deadline& deadline) {
  std::string out;
  PutString(&out, primary);
  PutString(&out, deadline.responsible_caseworker_id());
  deadline.AppendToString(&out);
  return out;
}

namespace {
bool TakeString(std::string_view* in, std::string_view* out) {
  if (in->size() < 8) return false;
  auto n = DecodeInt64(in->substr(0, 8));
  if (!n || *n < 0 || static_cast<size_t>(*n) > in->size() - 8) return false;
  *out = in->substr(8, static_cast<size_t>(*n));
  in->remove_prefix(8 + static_cast<size_t>(*n));
  return true;
}
}  // namespace

bool SplitDueEntry(std::string_view bytes, DueEntry* entry) {
  if (!TakeString(&bytes, &entry->primary) || !TakeString(&bytes, &entry->responsible)) {
    return false;
  }
  entry->deadline = bytes;
  return true;
}

std::string WorkerDuePrefix(std::string_view tenant, std::string_view caseworker) {
  std::string key = TenantPrefix(tenant);
  key.append(caseworker);
  key.push_back('\0');
  return key;
}

std::string DueKeyPrefix(std::string_view tenant, CivilDate due) {
  std::string key = TenantPrefix(tenant);
  AppendInt64(&key, DayNumber(due));
  return key;
}

std::string DeadlineId(const std::string& rule_set, const rules::Deadline& d) {
  return rule_set + "/" + d.rule_id + "/" + std::string(rules::ToString(d.track)) + "/" +
         d.subject_id + "/" + std::to_string(d.sequence);
}

v1::Deadline ToWire(const TenantRules& rules, const CaseFacts& facts, std::string_view case_id,
                    const rules::Deadline& d, CivilDate as_of) {
  v1::Deadline w;
  auto set = rules.compiled.set_of_rule.find(d.rule_id);
  const std::string rule_set = set == rules.compiled.set_of_rule.end() ? "" : set->second;
  w.set_deadline_id(DeadlineId(rule_set, d));
  w.set_case_id(std::string(case_id));
  w.set_rule_set(rule_set);
  w.set_rule_id(d.rule_id);
  w.set_rule_source(d.source);
  w.set_track(std::string(rules::ToString(d.track)));
  w.set_trigger_id(d.subject_id);
  w.set_sequence(d.sequence);
  *w.mutable_due_date() = service::ToProtoDate(d.due);
  if (d.due_at) *w.mutable_due_at() = service::ToProtoTimestamp(*d.due_at);
  w.set_state(WireState(d.state));
  if (d.met_on) *w.mutable_met_on() = service::ToProtoDate(*d.met_on);
  if (d.met_at) *w.mutable_met_at() = service::ToProtoTimestamp(*d.met_at);
  w.set_met_by(d.met_by);
  const rules_proto::WireResponsible responsible =
      rules_proto::ResponsibleOnWire(d.responsible_role, d.track);
  w.set_responsible_role(responsible.role);
  w.set_responsible_purpose(responsible.purpose);
  if (d.IsOpen()) {
    w.set_responsible_caseworker_id(Holder(facts, d.responsible_role, d.track, as_of));
  }
  w.set_team_id(facts.opened_team_id);
  w.set_overdue(d.state == rules::DeadlineState::kOverdue);
  w.set_overridden(!d.override_id.empty());
  return w;
}

std::vector<std::string> SchedulingProjection::Topics() const {
  return {std::string(events::kCaseEventsTopic), std::string(events::kOrgEventsTopic)};
}

std::vector<std::string> SchedulingProjection::ColumnFamilies() const {
  return {"requests", "facts", "cases",         "due",      "latest",
          "rules",    "org",   "due_by_worker", "due_count"};
}

projection::BadRecordAction SchedulingProjection::OnBadRecord(
    projection::BadRecordKind kind, const eventlog::StoredRecord& record) const {
  // The deadline rules read facts of every Trappe service, and only the payloads this build
  // knows: a newer writer's event type is no fact they could read, a record of another
  // system none of theirs. An undecodable record of a Trappe type stops the projection.
  const bool unknown_payload = kind == projection::BadRecordKind::kUnknownEvent;
  return projection::DecideByEventType(Name(), kind, record, [&](std::string_view type) {
    if (unknown_payload) return false;
    for (std::string_view ours : {"trappe.cases.", "trappe.placements.", "trappe.scheduling.",
                                  "trappe.workload."}) {
      if (type.starts_with(ours)) return true;
    }
    return false;
  });
}

Status SchedulingProjection::Apply(const projection::Event& event,
                                   projection::ApplyContext& context) const {
  const EventEnvelope& e = event.envelope;
  if (e.tenant().empty()) return Status::Ok();
  switch (e.payload_case()) {
    case EventEnvelope::kMunicipalityRegistered:
    case EventEnvelope::kFollowUpRulesConfigured: return ApplyRules(event, context);
    case EventEnvelope::kCaseworkerRegistered: {
      const auto& c = e.caseworker_registered();
      return context.Put(kOrg, TenantPrefix(e.tenant()) + "cw/" + c.caseworker_id(), c.team_id());
    }
    case EventEnvelope::kCaseworkerChanged: {
      const auto& c = e.caseworker_changed();
      if (!c.has_team_id()) return Status::Ok();
      return context.Put(kOrg, TenantPrefix(e.tenant()) + "cw/" + c.caseworker_id(), c.team_id());
    }
    default: break;
  }
  if (IsCaseFact(e)) return ApplyCaseEvent(event, context);
  return Status::Ok();
}

Status SchedulingProjection::ApplyCaseEvent(const projection::Event& event,
                                            projection::ApplyContext& context) const {
  const EventEnvelope& e = event.envelope;
  if (e.case_id().empty() || e.case_id().find('/') != std::string::npos) return Status::Ok();
  std::string key = FactsPrefix(e.tenant(), e.case_id());
  AppendInt64(&key, event.record.position.offset);
  TRAPPE_RETURN_IF_ERROR(context.Put(kFacts, key, event.record.value));
  if (e.aggregate_type() == events::v1::AGGREGATE_TYPE_FOLLOW_UP_SCHEDULE) {
    TRAPPE_RETURN_IF_ERROR(service::IndexRequest(context, kRequests, event));
    const std::string case_key = CaseKey(e.tenant(), e.case_id());
    TRAPPE_ASSIGN_OR_RETURN(auto stored, context.Get(kCases, case_key));
    CaseMeta meta = stored ? DecodeMeta(*stored) : CaseMeta{};
    meta.schedule_version = e.aggregate_version();
    TRAPPE_RETURN_IF_ERROR(context.Put(kCases, case_key, EncodeMeta(meta)));
    if (e.has_follow_up_recorded() && !e.request_id().empty()) {
      TRAPPE_RETURN_IF_ERROR(context.Put(kOrg, TenantPrefix(e.tenant()) + "fu/" + e.request_id(),
                                         e.follow_up_recorded().follow_up_id()));
    }
  }
  return Reindex(context, e.tenant(), e.case_id());
}

Status SchedulingProjection::ApplyRules(const projection::Event& event,
                                        projection::ApplyContext& context) const {
  const EventEnvelope& e = event.envelope;
  v1::FollowUpRulesConfigured configured;
  if (e.has_municipality_registered()) {
    const auto& m = e.municipality_registered();
    *configured.mutable_rule_sets() = m.follow_up_rule_sets();
    *configured.mutable_effective_from() = m.effective_from();
    *configured.mutable_presets() = m.presets();
  } else {
    configured = e.follow_up_rules_configured();
  }
  if (!service::IsSet(configured.effective_from())) {
    *configured.mutable_effective_from() = e.effective_date();
  }
  auto from = service::ToCivilDate(configured.effective_from(), "effective_from");
  std::vector<v1::FollowUpRuleSet> sets(configured.rule_sets().begin(),
                                        configured.rule_sets().end());
  Status valid = from.ok() ? rules_proto::CompileRules({{*from, sets}}).status() : from.status();
  if (e.aggregate_type() == events::v1::AGGREGATE_TYPE_FOLLOW_UP_RULE_SET) {
    TRAPPE_RETURN_IF_ERROR(service::IndexRequest(context, kRequests, event));
    TRAPPE_RETURN_IF_ERROR(
        context.Put(kOrg, TenantPrefix(e.tenant()) + "rsv",
                    projection::EncodeInt64(static_cast<int64_t>(e.aggregate_version()))));
  }
  if (!valid.ok()) {
    // Never written by this service (ConfigureRules validates); a foreign writer's rules
    // that the deadline rules cannot read are left out rather than stopping every case.
    log::Warn("scheduling.rules_skipped",
              {{"tenant", e.tenant()}, {"event_id", e.event_id()}, {"error", valid.message()}});
    return Status::Ok();
  }
  std::string bytes;
  configured.SerializeToString(&bytes);
  TRAPPE_RETURN_IF_ERROR(context.Put(kRules, RulesKey(e.tenant(), *from), bytes));
  std::vector<std::string> case_ids;
  TRAPPE_RETURN_IF_ERROR(
      context.Scan(kCases, TenantPrefix(e.tenant()), [&](std::string_view key, std::string_view) {
        case_ids.emplace_back(key.substr(TenantPrefix(e.tenant()).size()));
        return true;
      }));
  for (const std::string& case_id : case_ids) {
    TRAPPE_RETURN_IF_ERROR(Reindex(context, e.tenant(), case_id));
  }
  return Status::Ok();
}

Status SchedulingProjection::Reindex(projection::ApplyContext& context, const std::string& tenant,
                                     const std::string& case_id) const {
  const std::string case_key = CaseKey(tenant, case_id);
  TRAPPE_ASSIGN_OR_RETURN(auto stored, context.Get(kCases, case_key));
  CaseMeta meta = stored ? DecodeMeta(*stored) : CaseMeta{};
  // Index keys are stored with their family's initial: 'D' kDue, 'W' kDueByWorker.
  for (const std::string& key : meta.index_keys) {
    if (key.empty()) continue;
    TRAPPE_RETURN_IF_ERROR(
        context.Delete(key[0] == 'W' ? kDueByWorker : kDue, std::string_view(key).substr(1)));
    if (key[0] == 'D') {
      TRAPPE_RETURN_IF_ERROR(AddToCount(
          context, std::string_view(key).substr(1, TenantPrefix(tenant).size() + 8), -1));
    }
  }
  meta.index_keys.clear();
  if (meta.latest) {
    TRAPPE_RETURN_IF_ERROR(context.Delete(kLatest, LatestKey(tenant, *meta.latest, case_id)));
  }
  const StoreReader reader = ReaderOf(context);
  TRAPPE_ASSIGN_OR_RETURN(std::optional<CaseFacts> facts, LoadFacts(reader, tenant, case_id));
  meta.latest = facts ? facts->latest : std::nullopt;
  if (meta.latest) {
    TRAPPE_RETURN_IF_ERROR(context.Put(kLatest, LatestKey(tenant, *meta.latest, case_id), ""));
  }
  TRAPPE_ASSIGN_OR_RETURN(std::shared_ptr<const TenantRules> rules, LoadRules(reader, tenant));
  if (facts && rules && !IsClosedOn(*facts, EndOfTime())) {
    auto deadlines = rules::DeriveDeadlines(rules->compiled.rule_set, facts->timeline, EndOfTime());
    if (!deadlines.ok()) {
      log::Warn(
          "scheduling.case_not_derivable",
          {{"tenant", tenant}, {"case_id", case_id}, {"error", deadlines.status().message()}});
    } else {
      const std::string primary = PrimaryOn(*facts, EndOfTime());
      for (const rules::Deadline& d : rules::EarliestOpenPerTrack(*deadlines)) {
        v1::Deadline wire = ToWire(*rules, *facts, case_id, d, EndOfTime());
        wire.set_overdue(false);
        std::string key = DueKeyPrefix(tenant, d.due);
        key.append(case_id);
        key.push_back('/');
        key.append(wire.deadline_id());
        const std::string value = EncodeDueEntry(primary, wire);
        TRAPPE_RETURN_IF_ERROR(context.Put(kDue, key, value));
        if (!wire.responsible_caseworker_id().empty()) {
          std::string by_worker = WorkerDuePrefix(tenant, wire.responsible_caseworker_id());
          by_worker.append(std::string_view(key).substr(TenantPrefix(tenant).size()));
          TRAPPE_RETURN_IF_ERROR(context.Put(kDueByWorker, by_worker, value));
          meta.index_keys.push_back("W" + by_worker);
        }
        TRAPPE_RETURN_IF_ERROR(AddToCount(context, DueKeyPrefix(tenant, d.due), 1));
        meta.index_keys.push_back("D" + key);
      }
    }
  }
  return context.Put(kCases, case_key, EncodeMeta(meta));
}

Result<std::shared_ptr<const TenantRules>> SchedulingProjection::LoadRules(
    const StoreReader& reader, std::string_view tenant) const {
  std::string all;
  std::vector<std::string> values;
  TRAPPE_RETURN_IF_ERROR(
      reader.scan(kRules, TenantPrefix(tenant), [&](std::string_view, std::string_view value) {
        PutString(&all, value);
        values.emplace_back(value);
        return true;
      }));
  if (values.empty()) return std::shared_ptr<const TenantRules>();
  {
    std::lock_guard lock(cache_mu_);
    auto it = cache_.find(std::string(tenant));
    if (it != cache_.end() && it->second.first == all) return it->second.second;
  }
  auto rules = std::make_shared<TenantRules>();
  std::vector<std::pair<CivilDate, std::vector<v1::FollowUpRuleSet>>> configurations;
  for (const std::string& value : values) {
    v1::FollowUpRulesConfigured c;
    if (!c.ParseFromString(value))
      return Internal("scheduling: a stored rule configuration is corrupt");
    TRAPPE_ASSIGN_OR_RETURN(CivilDate from,
                            service::ToCivilDate(c.effective_from(), "effective_from"));
    configurations.emplace_back(
        from, std::vector<v1::FollowUpRuleSet>(c.rule_sets().begin(), c.rule_sets().end()));
    rules->configurations.push_back(std::move(c));
  }
  TRAPPE_ASSIGN_OR_RETURN(rules->compiled, rules_proto::CompileRules(configurations));
  std::shared_ptr<const TenantRules> shared = rules;
  std::lock_guard lock(cache_mu_);
  cache_[std::string(tenant)] = {std::move(all), shared};
  return shared;
}

Result<std::optional<CaseFacts>> SchedulingProjection::LoadFacts(const StoreReader& reader,
                                                                 std::string_view tenant,
                                                                 std::string_view case_id) const {
  CaseFacts facts;
  bool any = false;
  Status parse_error;
  TRAPPE_RETURN_IF_ERROR(reader.scan(
      kFacts, FactsPrefix(tenant, case_id), [&](std::string_view, std::string_view value) {
        EventEnvelope e;
        if (!e.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          parse_error = Internal("scheduling: a stored fact is corrupt");
          return false;
        }
        AddFact(e, facts);
        any = true;
        return true;
      }));
  TRAPPE_RETURN_IF_ERROR(parse_error);
  if (!any) return std::optional<CaseFacts>();
  return std::optional<CaseFacts>(std::move(facts));
}

}  // namespace trappe::scheduling
