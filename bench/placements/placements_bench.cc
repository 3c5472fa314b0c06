// The staircase figures at the scale of a large municipality: 5,000 children, each with a
// case and a course of interventions over ten years (2016-2025), generated with a fixed
// seed and appended to an embedded log as the services write them; the placements module
// catches up, then the queries are timed through its gRPC service object (no network).
//
//   build/<dir>/bench/placements/placements_bench
//
//   BM_KeyFigures/<months>     the nøgletal of the last <months> months of 2025
//   BM_Distribution            the distribution over the steps on a date (a different date
//                              each iteration, across the ten years)
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <random>

#include "host_context.h"
#include "trappe/common/clock.h"
#include "trappe/common/ids.h"
#include "trappe/common/log.h"
#include "trappe/eventlog/embedded_log.h"
#include "trappe/events/headers.h"
#include "trappe/events/v1/envelope.pb.h"
#include "trappe/placements/module.h"
#include "trappe/placements/v1/service.grpc.pb.h"
#include "trappe/service/convert.h"

namespace trappe::placements {
namespace {

using events::v1::EventEnvelope;

constexpr char kTenant[] = "0657";
constexpr int kChildren = 5000;
constexpr uint32_t kSeed = 20260302;

v1::Staircase Staircase() {
  const char* names[] = {"Tidlig indsats i almenområdet",   "Forebyggende indsatser",
                         "Hjemmebaserede foranstaltninger", "Anbringelse i slægt eller netværk",
                         "Anbringelse i plejefamilie",      "Anbringelse på institution"};
  v1::Staircase s;
  for (int i = 0; i < 6; ++i) {
    v1::StaircaseStep* step = s.add_steps();
    step->set_number(i + 1);
    step->set_name(names[i]);
    step->set_prevention(i < 3);
    step->set_category(static_cast<v1::StepCategory>(i + 1));
  }
  return s;
}

class History {
 public:
  explicit History(eventlog::EventLog* log) : log_(log) {}

  void Add(EventEnvelope event, uint64_t version) {
    event.set_event_id(ids_.NewId());
    event.set_tenant(kTenant);
    event.set_actor("generator");
    event.set_request_id("gen-" + std::to_string(++n_));
    event.set_aggregate_version(version);
    event.set_schema_version(events::kSchemaVersion);
    eventlog::Record record;
    record.key = events::RecordKey(event);
    record.value = event.SerializeAsString();
    for (const events::KafkaHeader& h : events::KafkaHeaders(event)) {
      record.headers.push_back({std::string(h.key), h.value});
    }
    auto& batch = batches_[std::string(events::TopicFor(event.aggregate_type()))];
    batch.push_back(std::move(record));
    if (batch.size() >= 2000) Flush();
  }

  void Flush() {
    for (auto& [topic, batch] : batches_) {
      if (batch.empty()) continue;
      if (!log_->Append(topic, std::move(batch)).ok()) std::abort();
      batch.clear();
    }
  }

  uint64_t events() const { return n_; }

 private:
  eventlog::EventLog* log_;
  SequentialIdGenerator ids_;
  uint64_t n_ = 0;
  std::map<std::string, std::vector<eventlog::Record>> batches_;
};

// One child: a case opened between 2016 and 2024, then a random walk over the staircase:
// each intervention lasts 2-24 months, the next one starts the day it ends; 30% of the
// children leave the staircase and have their case closed.
void GenerateChild(int index, std::mt19937& rng, History& history) {
  const std::string case_id = "00000000-0000-4000-8000-" + [&] {
    char buf[13];
    snprintf(buf, sizeof buf, "%012d", index);
    return std::string(buf);
  }();
  const std::string child_id = "10000000-0000-4000-8000-" + case_id.substr(24);
  const CivilDate end_of_history = CivilDate::FromYmd(2025, 12, 31).value();
  CivilDate date = CivilDate::FromYmd(2016, 1, 1)
                       .value()
                       .AddDays(std::uniform_int_distribution<int>(0, 9 * 365)(rng));

  EventEnvelope opened;
  opened.set_aggregate_type(events::v1::AGGREGATE_TYPE_CASE);
  opened.set_aggregate_id(case_id);
  opened.set_case_id(case_id);
  *opened.mutable_effective_date() = service::ToProtoDate(date);
  opened.mutable_case_opened()->set_case_id(case_id);
  opened.mutable_case_opened()->set_child_id(child_id);
  opened.mutable_case_opened()->set_team_id(index % 2 == 0 ? "team-vest" : "team-oest");
  *opened.mutable_case_opened()->mutable_opened_on() = service::ToProtoDate(date);
  history.Add(opened, 1);

  const v1::Staircase staircase = Staircase();
  int step = std::uniform_int_distribution<int>(1, 6)(rng);
  const int courses = std::uniform_int_distribution<int>(1, 6)(rng);
  for (int i = 0; i < courses && date < end_of_history; ++i) {
    const std::string id =
        "2" + case_id.substr(1, 22) + "-" + std::to_string(i) + case_id.substr(25);
    const int months = std::uniform_int_distribution<int>(2, 24)(rng);
    const CivilDate end = date.AddMonths(months);
    EventEnvelope started;
    started.set_aggregate_type(events::v1::AGGREGATE_TYPE_INTERVENTION);
    started.set_aggregate_id(id);
    started.set_case_id(case_id);
    *started.mutable_effective_date() = service::ToProtoDate(date);
    auto* p = started.mutable_intervention_started();
    p->set_intervention_id(id);
    p->set_case_id(case_id);
    p->set_child_id(child_id);
    p->set_step_number(step);
    if (step >= 4) {
      p->mutable_kind()->set_placement(step == 6   ? v1::PLACEMENT_TYPE_CHILDRENS_HOME
                                       : step == 5 ? v1::PLACEMENT_TYPE_GENERAL_FOSTER_FAMILY
                                                   : v1::PLACEMENT_TYPE_NETWORK_FOSTER_FAMILY);
      p->set_consent_basis(v1::CONSENT_BASIS_WITH_CONSENT);
      p->set_intensive(step == 6 && rng() % 3 == 0);
    } else {
      p->mutable_kind()->set_support(v1::SUPPORT_TYPE_FAMILY_TREATMENT);
    }
    *p->mutable_start_date() = service::ToProtoDate(date);
    *p->mutable_planned_end_date() = service::ToProtoDate(date.AddMonths(months + 1));
    p->set_monthly_cost_oere(int64_t{step} * 500'000 + (rng() % 100) * 1000);
    *p->mutable_step() = staircase.steps(step - 1);
    history.Add(started, 1);
    uint64_t version = 1;
    if (rng() % 4 == 0 && months > 3) {  // a change of cost midway
      EventEnvelope changed;
      changed.set_aggregate_type(events::v1::AGGREGATE_TYPE_INTERVENTION);
      changed.set_aggregate_id(id);
      changed.set_case_id(case_id);
      const CivilDate on = date.AddMonths(months / 2);
      *changed.mutable_effective_date() = service::ToProtoDate(on);
      changed.mutable_intervention_changed()->set_intervention_id(id);
      changed.mutable_intervention_changed()->set_case_id(case_id);
      changed.mutable_intervention_changed()->set_monthly_cost_oere(int64_t{step} * 450'000);
      *changed.mutable_intervention_changed()->mutable_effective_date() = service::ToProtoDate(on);
      history.Add(changed, ++version);
    }
    if (end > end_of_history) break;  // still running
    const bool leaves = i == courses - 1 || rng() % 10 < 2;
    const int next = leaves ? 0 : std::clamp(step + (rng() % 3 == 0 ? 1 : -1), 1, 6);
    EventEnvelope ended;
    ended.set_aggregate_type(events::v1::AGGREGATE_TYPE_INTERVENTION);
    ended.set_aggregate_id(id);
    ended.set_case_id(case_id);
    *ended.mutable_effective_date() = service::ToProtoDate(end.AddDays(-1));
    auto* e = ended.mutable_intervention_ended();
    e->set_intervention_id(id);
    e->set_case_id(case_id);
    *e->mutable_end_date() = service::ToProtoDate(end.AddDays(-1));  // its last day
    e->set_reason(next == 0     ? v1::END_REASON_PURPOSE_ACHIEVED
                  : next < step ? v1::END_REASON_STEPPED_DOWN
                                : v1::END_REASON_STEPPED_UP);
    e->set_destination(next == 0 ? v1::DESTINATION_HOME : v1::DESTINATION_STEP);
    e->set_destination_step_number(next);
    history.Add(ended, ++version);
    date = end;
    if (next == 0) {
      if (rng() % 10 < 3) {
        EventEnvelope closed;
        closed.set_aggregate_type(events::v1::AGGREGATE_TYPE_CASE);
        closed.set_aggregate_id(case_id);
        closed.set_case_id(case_id);
        *closed.mutable_effective_date() = service::ToProtoDate(end);
        closed.mutable_case_closed()->set_case_id(case_id);
        *closed.mutable_case_closed()->mutable_closed_on() = service::ToProtoDate(end);
        history.Add(closed, 2);
      }
      break;
    }
    step = next;
  }
}

class Municipality {
 public:
  Municipality() : clock_(ParseTimestamp("2026-03-02T09:00:00Z").value()) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "trappe-placements-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    dir_ = pattern;
    log_ = eventlog::OpenEmbeddedLog({.directory = (dir_ / "log").string(),
                                      .topics = eventlog::DefaultTopics(4),
                                      .sync = false})
               .value();
    History history(log_.get());
    EventEnvelope registered;
    registered.set_aggregate_type(events::v1::AGGREGATE_TYPE_MUNICIPALITY);
    registered.set_aggregate_id(kTenant);
    *registered.mutable_effective_date() =
        service::ToProtoDate(CivilDate::FromYmd(2015, 1, 1).value());
    registered.mutable_municipality_registered()->set_municipality_code(kTenant);
    *registered.mutable_municipality_registered()->mutable_staircase() = Staircase();
    *registered.mutable_municipality_registered()->mutable_effective_from() =
        registered.effective_date();
    history.Add(registered, 1);
    std::mt19937 rng(kSeed);
    for (int i = 0; i < kChildren; ++i) GenerateChild(i, rng, history);
    history.Flush();
    events_ = history.events();

    std::filesystem::create_directories(dir_ / "placements");
    module_ =
        OpenPlacementsModule(
            {.log = log_.get(), .clock = &clock_, .ids = &ids_, .data_dir = dir_ / "placements"})
            .value();
    module_->runtime().StartCatchUp(nullptr);
    if (!module_->runtime()
             .WaitUntilReady(std::chrono::steady_clock::now() + std::chrono::minutes(10))
             .ok()) {
      std::abort();
    }
    service_ = static_cast<v1::PlacementService::Service*>(module_->grpc_service());
  }

  ~Municipality() {
    module_.reset();
    log_->Close();
    log_.reset();
    std::filesystem::remove_all(dir_);
  }

  v1::PlacementService::Service& service() { return *service_; }
  uint64_t events() const { return events_; }

 private:
  std::filesystem::path dir_;
  FixedClock clock_;
  SequentialIdGenerator ids_;
  std::unique_ptr<eventlog::EventLog> log_;
  std::unique_ptr<service::ServiceModule> module_;
  v1::PlacementService::Service* service_ = nullptr;
  uint64_t events_ = 0;
};

Municipality& TheMunicipality() {
  static Municipality* municipality = [] {
    log::Init(log::Level::kWarn);
    return new Municipality();
  }();
  return *municipality;
}

void BM_KeyFigures(benchmark::State& state) {
  Municipality& m = TheMunicipality();
  v1::GetKeyFiguresRequest request;
  request.set_tenant(kTenant);
  const CivilDate last = CivilDate::FromYmd(2025, 12, 31).value();
  *request.mutable_period()->mutable_start_date() =
      service::ToProtoDate(last.AddDays(1).AddMonths(-state.range(0)));
  *request.mutable_period()->mutable_end_date() = service::ToProtoDate(last);
  v1::GetKeyFiguresResponse response;
  for (auto _ : state) {
    grpc::ServerContext context;
    response.Clear();
    const grpc::Status s = m.service().GetKeyFigures(&context, &request, &response);
    if (!s.ok()) state.SkipWithError(s.error_message().c_str());
    benchmark::DoNotOptimize(response);
  }
  state.counters["log_events"] = static_cast<double>(m.events());
  state.counters["share_bp"] = response.key_figures().prevention_share_bp();
  state.counters["institutions_active"] = response.key_figures().institution_placements_active();
}
BENCHMARK(BM_KeyFigures)->Arg(12)->Arg(120)->Unit(benchmark::kMillisecond);

void BM_Distribution(benchmark::State& state) {
  Municipality& m = TheMunicipality();
  v1::GetStaircaseDistributionRequest request;
  request.set_tenant(kTenant);
  v1::GetStaircaseDistributionResponse response;
  const CivilDate first = CivilDate::FromYmd(2016, 1, 1).value();
  int64_t day = 0;
  int64_t children = 0;
  for (auto _ : state) {
    *request.mutable_as_of() = service::ToProtoDate(first.AddDays(day));
    day = (day + 97) % 3652;
    grpc::ServerContext context;
    response.Clear();
    const grpc::Status s = m.service().GetStaircaseDistribution(&context, &request, &response);
    if (!s.ok()) state.SkipWithError(s.error_message().c_str());
    children = 0;
    for (const auto& step : response.steps()) children += step.children();
    benchmark::DoNotOptimize(response);
  }
  state.counters["children_last"] = static_cast<double>(children);
}
BENCHMARK(BM_Distribution)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace trappe::placements

TRAPPE_BENCHMARK_MAIN();
