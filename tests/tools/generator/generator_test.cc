// The synthetic municipality: the plan's determinism and distributions, and a small
// generation driven through the real host (all four services, embedded log, port 0).
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "trappe/common/ids.h"
#include "trappe/eventlog/open.h"
#include "trappe/generator/driver.h"
#include "trappe/generator/plan.h"
#include "trappe/host/host.h"
#include "trappe/placements/v1/service.grpc.pb.h"
#include "trappe/scheduling/v1/service.grpc.pb.h"
#include "trappe/testing/status_matchers.h"
#include "trappe/testing/temp_dir.h"
#include "trappe/workload/v1/service.grpc.pb.h"

namespace trappe::generator {
namespace {

using ::testing::HasSubstr;

const CivilDate kToday = CivilDate::FromYmd(2026, 3, 2).value();

PlanOptions Options(uint64_t seed, int children, int years) {
  PlanOptions options;
  options.seed = seed;
  options.children = children;
  options.years = years;
  options.end_date = kToday;
  return options;
}

TEST(PlanTest, TheSameSeedGivesTheSamePlanAndAnotherSeedAnotherPlan) {
  ASSERT_OK_AND_ASSIGN(const Plan first, MakePlan(Options(7, 200, 5)));
  ASSERT_OK_AND_ASSIGN(const Plan again, MakePlan(Options(7, 200, 5)));
  ASSERT_OK_AND_ASSIGN(const Plan other, MakePlan(Options(8, 200, 5)));
  EXPECT_EQ(PlanDigest(first), PlanDigest(again));
  EXPECT_EQ(first.stats.commands, again.stats.commands);
  EXPECT_NE(PlanDigest(first), PlanDigest(other));
  // Request ids differ between plans too, so one plan never replays another's answers.
  EXPECT_NE(RequestIdOf(first.children[0].commands[0].request),
            RequestIdOf(other.children[0].commands[0].request));
}

TEST(PlanTest, EveryRequestIdIsAUniqueUuid) {
  ASSERT_OK_AND_ASSIGN(const Plan plan, MakePlan(Options(3, 300, 10)));
  std::set<std::string> ids;
  const auto check = [&](const std::vector<Command>& commands) {
    for (const Command& command : commands) {
      const std::string& id = RequestIdOf(command.request);
      EXPECT_TRUE(IsUuid(id)) << id;
      EXPECT_TRUE(ids.insert(id).second) << "repeated " << id;
      EXPECT_LE(command.effective, kToday) << RpcName(command.request);
    }
  };
  check(plan.organisation);
  for (const ChildPlan& child : plan.children) check(child.commands);
  EXPECT_EQ(static_cast<int64_t>(ids.size()), plan.stats.commands);
}

// Over a plan of 1,000 children each group's share of the par. 43 placements started is
// within three standard errors (sqrt(p(1-p)/n)) of the national target.
TEST(PlanTest, PlacementTypesFollowTheNationalProportions) {
  ASSERT_OK_AND_ASSIGN(const Plan plan, MakePlan(Options(657, 1000, 10)));
  const auto& by_type = plan.stats.placements_by_type;
  double total = 0;
  for (const auto& [type, n] : by_type) total += static_cast<double>(n);
  ASSERT_GT(total, 200) << "too few placements to compare proportions";
  const auto share = [&](std::initializer_list<const char*> types) {
    double n = 0;
    for (const char* type : types) {
      const auto it = by_type.find(type);
      if (it != by_type.end()) n += static_cast<double>(it->second);
    }
    return n / total;
  };
  const auto tolerance = [&](double p) { return 3 * std::sqrt(p * (1 - p) / total); };
  const double foster = share(
      {"PLACEMENT_TYPE_NETWORK_FOSTER_FAMILY", "PLACEMENT_TYPE_GENERAL_FOSTER_FAMILY",
       "PLACEMENT_TYPE_REINFORCED_FOSTER_FAMILY", "PLACEMENT_TYPE_SPECIALISED_FOSTER_FAMILY"});
  const double institution = share({"PLACEMENT_TYPE_CHILDRENS_HOME"});
  const double opholdssted = share({"PLACEMENT_TYPE_OPHOLDSSTED"});
  EXPECT_NEAR(foster, 0.56, tolerance(0.56));
  EXPECT_NEAR(institution, 0.20, tolerance(0.20));
  EXPECT_NEAR(opholdssted, 0.125, tolerance(0.125));
  EXPECT_GT(foster, opholdssted + institution);
}

// Deadlines derived with the real rules: most follow-up deadlines met on time, between 5%
// and 25% of the met ones late, and some still overdue on the last day.
TEST(PlanTest, MostFollowUpsAreOnTimeSomeLateAndSomeOverdue) {
  ASSERT_OK_AND_ASSIGN(const Plan plan, MakePlan(Options(657, 1000, 10)));
  const PlanStats& s = plan.stats;
  const double met =
      static_cast<double>(s.follow_up_deadlines_met_on_time + s.follow_up_deadlines_met_late);
  ASSERT_GT(met, 1000);
  const double late = static_cast<double>(s.follow_up_deadlines_met_late) / met;
  EXPECT_GE(late, 0.05);
  EXPECT_LE(late, 0.25);
  EXPECT_GT(s.deadlines_overdue, 0);
  EXPECT_GT(s.follow_ups, 0);
  EXPECT_GT(s.plan_approvals, 0);
  // The rest of the story is there too.
  EXPECT_GT(s.caseworkers_left, 0);
  EXPECT_GT(s.caseworkers_registered, s.caseworkers_left);
  EXPECT_GT(s.cases_reopened, 0);
  EXPECT_GT(s.moves_up, 0);
  EXPECT_GT(s.moves_down, 0);
  EXPECT_GT(s.commands_by_rpc.at("CaseService.UnassignCaseworker"), 0);  // hand-overs
  EXPECT_GT(s.commands_by_rpc.at("PlacementService.ChangeIntervention"), 0);
}

// Every string field of a request (at any depth) that holds a reference ("@case", "@i3"...).
void CollectReferences(const google::protobuf::Message& message, std::vector<std::string>& out) {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const google::protobuf::FieldDescriptor* field : fields) {
    using Type = google::protobuf::FieldDescriptor::CppType;
    if (field->cpp_type() == Type::CPPTYPE_STRING) {
      const auto add = [&](const std::string& value) {
        if (!value.empty() && value[0] == '@') out.push_back(value);
      };
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i)
          add(reflection->GetRepeatedString(message, field, i));
      } else {
        add(reflection->GetString(message, field));
      }
    } else if (field->cpp_type() == Type::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i)
          CollectReferences(reflection->GetRepeatedMessage(message, field, i), out);
      } else {
        CollectReferences(reflection->GetMessage(message, field), out);
      }
    }
  }
}

// The driver runs a child's commands in order and replaces each reference by the id the
// command that bound it returned: a reference named before its command ran stops the run.
// Over 9,500 children of plans of different seeds and lengths, every reference a child's
// command names (any string field starting with '@') was bound by an earlier command of the
// same child, and no reference is bound twice. The sizes include seed 1, 8 years up to
// 2026-03-02, whose child 3962 was once placed on the day before turning 18: that one-day
// placement's end sorted before its start and named @i6 before it existed.
TEST(PlanTest, EveryReferenceIsBoundByAnEarlierCommandOfTheSameChild) {
  struct Size {
    uint64_t seed;
    int children;
    int years;
  };
  int64_t references = 0;
  for (const Size size :
       {Size{1, 4000, 8}, Size{4, 3000, 10}, Size{2, 1500, 10}, Size{657, 1000, 18}}) {
    ASSERT_OK_AND_ASSIGN(const Plan plan, MakePlan(Options(size.seed, size.children, size.years)));
    const std::string options = "seed " + std::to_string(size.seed) + ", " +
                                std::to_string(size.children) + " children, " +
                                std::to_string(size.years) + " years: ";
    for (const Command& command : plan.organisation) {
      std::vector<std::string> named;
      std::visit([&](const auto& r) { CollectReferences(r, named); }, command.request);
      EXPECT_THAT(named, ::testing::IsEmpty()) << options << RpcName(command.request);
    }
    for (const ChildPlan& child : plan.children) {
      std::set<std::string> bound;
      for (size_t i = 0; i < child.commands.size(); ++i) {
        const Command& command = child.commands[i];
        std::vector<std::string> named;
        std::visit([&](const auto& r) { CollectReferences(r, named); }, command.request);
        for (const std::string& ref : named) {
          ++references;
          EXPECT_EQ(bound.count(ref), 1u)
              << options << "child " << child.index << ", command " << i + 1 << " ("
              << RpcName(command.request) << ", effective " << command.effective.ToString()
              << ") names " << ref << " before a command bound it";
        }
        if (!command.binds.empty()) {
          EXPECT_TRUE(bound.insert(command.binds).second)
              << options << "child " << child.index << " binds " << command.binds << " twice";
        }
      }
    }
    // The library's own check agrees.
    EXPECT_OK(CheckReferences(plan));
  }
  EXPECT_GT(references, 100000);
}

// A plan whose child names a reference before binding it: CheckReferences names the child,
// the command and the reference.
Plan PlanWithAReferenceBeforeItsBinding() {
  Result<Plan> plan = MakePlan(Options(5, 3, 1));
  EXPECT_TRUE(plan.ok());
  if (!plan.ok()) return Plan{};
  std::vector<Command>& commands = plan->children[1].commands;
  EXPECT_GE(commands.size(), 2u);
  if (commands.size() >= 2) std::swap(commands[0], commands[1]);  // OpenCase binds @case
  return *std::move(plan);
}

TEST(PlanTest, CheckReferencesRefusesAPlanThatNamesAReferenceBeforeBindingIt) {
  const Plan plan = PlanWithAReferenceBeforeItsBinding();
  const Status checked = CheckReferences(plan);
  EXPECT_EQ(checked.code(), StatusCode::kInternal);
  EXPECT_THAT(checked.message(), HasSubstr("child 1, command 1 ("));
  EXPECT_THAT(checked.message(), HasSubstr("names @case before a command bound it"));
}

TEST(PlanTest, BadOptionsAreRefusedNamingTheOption) {
  PlanOptions options = Options(1, 0, 10);
  EXPECT_STATUS(MakePlan(options), StatusCode::kInvalidArgument, "children");
  options = Options(1, 10, 10);
  options.tenant = "Herning";
  EXPECT_STATUS(MakePlan(options), StatusCode::kInvalidArgument, "tenant");
}

class GenerationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (host::AvailableTargets().size() < 4) GTEST_SKIP() << "this build lacks a service";
    StartHost();
  }

  void StartHost() {
    host::HostOptions options;
    options.listen_address = "127.0.0.1:0";
    options.data_dir = dir_.path() / "data";
    ASSERT_OK_AND_ASSIGN(host_, host::Host::Start(options, &clock_));
    ASSERT_OK(host_->WaitUntilReady(std::chrono::steady_clock::now() + std::chrono::minutes(1)));
    channel_ = grpc::CreateChannel(host_->address(), grpc::InsecureChannelCredentials());
  }

  // Stops the host and reads how many records each topic's partitions hold.
  std::vector<int64_t> StopAndCountRecords() {
    host_.reset();
    std::vector<int64_t> ends;
    auto log = eventlog::OpenEventLog("embedded://" + (dir_.path() / "data" / "log").string());
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    if (!log.ok()) return ends;
    for (const std::string_view topic : {eventlog::kCaseEventsTopic, eventlog::kOrgEventsTopic}) {
      auto offsets = (*log)->EndOffsets(topic);
      EXPECT_TRUE(offsets.ok());
      if (offsets.ok()) ends.insert(ends.end(), offsets->begin(), offsets->end());
    }
    (*log)->Close();
    return ends;
  }

  template <typename Stub, typename Request, typename Response, typename Method>
  Response Query(Stub& stub, Method method, const Request& request) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    Response response;
    const grpc::Status status = (stub.*method)(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  testing::TempDir dir_;
  FixedClock clock_{CopenhagenStartOfDay(kToday) + std::chrono::hours(12)};
  std::unique_ptr<host::Host> host_;
  std::shared_ptr<grpc::Channel> channel_;
};

common::v1::Date ProtoDate(CivilDate d) {
  common::v1::Date out;
  out.set_year(d.year());
  out.set_month(d.month());
  out.set_day(d.day());
  return out;
}

TEST_F(GenerationTest, ASmallMunicipalityLoadsAndShowsLoadsDeadlinesAndTheStaircase) {
  ASSERT_OK_AND_ASSIGN(const Plan plan, MakePlan(Options(11, 40, 3)));
  ASSERT_GT(plan.stats.deadlines_overdue, 0)
      << "choose a seed whose small plan has overdue deadlines";
  int progress_calls = 0;
  DriverOptions driver;
  driver.concurrency = 4;
  driver.on_progress = [&](const Progress& p) {
    ++progress_calls;
    EXPECT_LE(p.commands_done, p.commands_total);
  };
  ASSERT_OK_AND_ASSIGN(const RunResult run, RunPlan(plan, channel_, driver));
  EXPECT_EQ(run.commands, plan.stats.commands);
  EXPECT_EQ(run.children, 40);
  EXPECT_EQ(run.case_ids.size(), 40u);
  EXPECT_GE(progress_calls, 41);  // after the organisation and after each child

  const std::string tenant = plan.options.tenant;
  // Loads: every team carries points today.
  auto workload = workload::v1::WorkloadService::NewStub(channel_);
  int64_t load = 0;
  int cases = 0;
  for (const std::string& team : plan.team_ids) {
    workload::v1::GetTeamLoadRequest request;
    request.set_tenant(tenant);
    request.set_team_id(team);
    *request.mutable_as_of() = ProtoDate(kToday);
    const auto response =
        Query<workload::v1::WorkloadService::Stub, workload::v1::GetTeamLoadRequest,
              workload::v1::GetTeamLoadResponse>(
            *workload, &workload::v1::WorkloadService::Stub::GetTeamLoad, request);
    load += response.team_load().load_millipoints();
    cases += response.team_load().case_count();
  }
  EXPECT_GT(load, 0);
  EXPECT_GT(cases, 0);

  // Deadlines: overdue ones today, and compliance with both on-time and late ones.
  auto scheduling = scheduling::v1::SchedulingService::NewStub(channel_);
  scheduling::v1::ListDueDeadlinesRequest due;
  due.set_tenant(tenant);
  *due.mutable_as_of() = ProtoDate(kToday);
  due.set_overdue_only(true);
  const auto overdue =
      Query<scheduling::v1::SchedulingService::Stub, scheduling::v1::ListDueDeadlinesRequest,
            scheduling::v1::ListDueDeadlinesResponse>(
          *scheduling, &scheduling::v1::SchedulingService::Stub::ListDueDeadlines, due);
  ASSERT_GT(overdue.deadlines_size(), 0);
  EXPECT_TRUE(overdue.deadlines(0).overdue());
  scheduling::v1::GetComplianceRequest compliance;
  compliance.set_tenant(tenant);
  *compliance.mutable_period()->mutable_start_date() = ProtoDate(plan.start_date);
  *compliance.mutable_period()->mutable_end_date() = ProtoDate(kToday);
  const auto kept =
      Query<scheduling::v1::SchedulingService::Stub, scheduling::v1::GetComplianceRequest,
            scheduling::v1::GetComplianceResponse>(
          *scheduling, &scheduling::v1::SchedulingService::Stub::GetCompliance, compliance);
  EXPECT_GT(kept.total().met_on_time(), kept.total().met_late());
  EXPECT_GT(kept.total().met_late(), 0);

  // The staircase: children stand on steps above 0 today, and the year had moves.
  auto placements = placements::v1::PlacementService::NewStub(channel_);
  placements::v1::GetStaircaseDistributionRequest distribution;
  distribution.set_tenant(tenant);
  *distribution.mutable_as_of() = ProtoDate(kToday);
  const auto steps =
      Query<placements::v1::PlacementService::Stub, placements::v1::GetStaircaseDistributionRequest,
            placements::v1::GetStaircaseDistributionResponse>(
          *placements, &placements::v1::PlacementService::Stub::GetStaircaseDistribution,
          distribution);
  int on_steps = 0;
  for (const auto& step : steps.steps()) {
    if (step.step_number() > 0) on_steps += step.children();
  }
  EXPECT_GT(on_steps, 0);
  placements::v1::GetKeyFiguresRequest figures;
  figures.set_tenant(tenant);
  *figures.mutable_period()->mutable_start_date() = ProtoDate(plan.start_date);
  *figures.mutable_period()->mutable_end_date() = ProtoDate(kToday);
  const auto key =
      Query<placements::v1::PlacementService::Stub, placements::v1::GetKeyFiguresRequest,
            placements::v1::GetKeyFiguresResponse>(
          *placements, &placements::v1::PlacementService::Stub::GetKeyFigures, figures);
  EXPECT_GT(key.key_figures().moves_up(), 0);
  EXPECT_GT(key.key_figures().moves_down(), 0);
  EXPECT_GT(key.key_figures().total_spending_oere(), 0);
}

TEST_F(GenerationTest, RunningTheSamePlanAgainWritesNothingNew) {
  ASSERT_OK_AND_ASSIGN(const Plan plan, MakePlan(Options(5, 20, 2)));
  ASSERT_OK_AND_ASSIGN(const bool empty_at_first, host_->LogIsEmpty());
  EXPECT_TRUE(empty_at_first);  // what trappe-server --demo checks before loading
  ASSERT_OK_AND_ASSIGN(const RunResult first, RunPlan(plan, channel_));
  ASSERT_OK_AND_ASSIGN(const bool empty_after, host_->LogIsEmpty());
  EXPECT_FALSE(empty_after);
  const std::vector<int64_t> before = StopAndCountRecords();
  ASSERT_NO_FATAL_FAILURE(StartHost());
  ASSERT_OK_AND_ASSIGN(const RunResult again, RunPlan(plan, channel_));
  EXPECT_EQ(again.case_ids, first.case_ids);  // the first outcomes, the same case ids
  EXPECT_EQ(StopAndCountRecords(), before);
}

TEST_F(GenerationTest, APlanThatNamesAReferenceBeforeBindingItIsRefusedBeforeAnyWrite) {
  const Plan plan = PlanWithAReferenceBeforeItsBinding();
  const Result<RunResult> refused = RunPlan(plan, channel_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInternal);
  EXPECT_THAT(refused.status().message(), HasSubstr("child 1, command 1 ("));
  EXPECT_THAT(refused.status().message(), HasSubstr("@case"));
  // Not even the organisation was written: the municipality is as it was.
  ASSERT_OK_AND_ASSIGN(const bool empty, host_->LogIsEmpty());
  EXPECT_TRUE(empty);
}

TEST_F(GenerationTest, ARefusedCommandStopsTheRunNamingTheCommandAndTheServersMessage) {
  ASSERT_OK_AND_ASSIGN(const Plan plan, MakePlan(Options(5, 3, 1)));
  ASSERT_OK(RunPlan(plan, channel_).status());
  // Another plan for the same municipality: its registration is refused.
  ASSERT_OK_AND_ASSIGN(const Plan other, MakePlan(Options(6, 3, 1)));
  const Result<RunResult> refused = RunPlan(other, channel_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(refused.status().message(), HasSubstr("the organisation, command 1 of"));
  EXPECT_THAT(refused.status().message(), HasSubstr("WorkloadService.RegisterMunicipality"));
  EXPECT_THAT(refused.status().message(), HasSubstr("0657"));
}

}  // namespace
}  // namespace trappe::generator
