#include "trappe/service/command_runner.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "trappe/common/ids.h"
#include "trappe/eventlog/embedded_log.h"
#include "trappe/events/headers.h"
#include "trappe/projection/keys.h"
#include "trappe/service/convert.h"
#include "trappe/service/runtime.h"
#include "trappe/testing/status_matchers.h"
#include "trappe/testing/temp_dir.h"

namespace trappe::service {
namespace {

using events::v1::EventEnvelope;

constexpr projection::FamilyId kRequests = 0;
constexpr projection::FamilyId kVersions = 1;

// Keeps the request index and each case's version: the smallest projection a writer needs.
class CaseVersionProjection final : public projection::Projection {
 public:
  std::string Name() const override { return "test.case_versions"; }
  std::vector<std::string> Topics() const override {
    return {std::string(eventlog::kCaseEventsTopic)};
  }
  std::vector<std::string> ColumnFamilies() const override { return {"requests", "versions"}; }
  Status Apply(const projection::Event& event, projection::ApplyContext& context) const override {
    TRAPPE_RETURN_IF_ERROR(IndexRequest(context, kRequests, event));
    return context.Put(kVersions, VersionKey(event.envelope.tenant(), event.envelope.case_id()),
                       projection::EncodeInt64(
                           static_cast<int64_t>(event.envelope.aggregate_version())));
  }
  static std::string VersionKey(std::string_view tenant, std::string_view case_id) {
    return projection::TenantKey(tenant, {"case", case_id});
  }
};

uint64_t VersionOf(const projection::ReadView& view, const std::string& case_id) {
  auto value = view.Get(kVersions, CaseVersionProjection::VersionKey("0657", case_id));
  if (!value.ok() || !value->has_value()) return 0;
  return static_cast<uint64_t>(*projection::DecodeInt64(**value));
}

class CommandRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(log_, eventlog::OpenEmbeddedLog({.directory = dir_.Sub("log"),
                                                          .topics = eventlog::DefaultTopics(2),
                                                          .sync = false}));
    ASSERT_OK_AND_ASSIGN(engine_, projection::Engine::Open(
                                      log_.get(), std::make_shared<CaseVersionProjection>(),
                                      {.directory = dir_.Sub("projection")}));
    runtime_ = std::make_unique<ServiceRuntime>("test.Service", engine_.get());
    runtime_->StartCatchUp(nullptr);
    ASSERT_OK(runtime_->WaitUntilReady(std::chrono::steady_clock::now() + std::chrono::minutes(1)));
    runner_ = std::make_unique<CommandRunner>(log_.get(), engine_.get(), &clock_, &ids_,
                                              CommandRunnerOptions{.request_family = kRequests});
  }

  void TearDown() override {
    runner_.reset();
    runtime_.reset();
    engine_.reset();
  }

  // Reopens the case: one event on the case's aggregate, at its next version.
  DecideFn Reopen(const std::string& case_id) {
    return [case_id](const projection::ReadView& view) -> Result<Decision> {
      Decision decision{.current_version = VersionOf(view, case_id)};
      EventEnvelope& event = decision.events.emplace_back();
      event.set_aggregate_type(events::v1::AGGREGATE_TYPE_CASE);
      event.set_aggregate_id(case_id);
      event.set_case_id(case_id);
      event.mutable_case_reopened()->set_case_id(case_id);
      return decision;
    };
  }

  int64_t RecordsInLog() {
    int64_t total = 0;
    for (const int64_t end : log_->EndOffsets(eventlog::kCaseEventsTopic).value()) total += end;
    return total;
  }

  CommandMeta Meta(std::string request_id) {
    return {.tenant = "0657", .request_id = std::move(request_id), .actor = "sagsbehandler-1"};
  }

  testing::TempDir dir_;
  FixedClock clock_{ParseTimestamp("2026-03-02T09:15:00Z").value()};
  SequentialIdGenerator ids_;
  std::unique_ptr<eventlog::EventLog> log_;
  std::unique_ptr<projection::Engine> engine_;
  std::unique_ptr<ServiceRuntime> runtime_;
  std::unique_ptr<CommandRunner> runner_;
  const std::string case_id_ = NewUuid();
};

TEST_F(CommandRunnerTest, WritesStampedEventsAndReturnsTheirPositions) {
  ASSERT_OK_AND_ASSIGN(const CommandOutcome outcome,
                       runner_->Run(Meta("req-1"), case_id_, Reopen(case_id_)));
  EXPECT_FALSE(outcome.replayed);
  EXPECT_EQ(outcome.aggregate_id, case_id_);
  EXPECT_EQ(outcome.version, 1u);
  ASSERT_EQ(outcome.positions.size(), 1u);
  EXPECT_EQ(outcome.positions[0].topic, eventlog::kCaseEventsTopic);

  // The projection has applied it before the reply: read-your-writes.
  EXPECT_EQ(VersionOf(*engine_->Snapshot(), case_id_), 1u);

  ASSERT_OK_AND_ASSIGN(auto subscription,
                       log_->Subscribe({{std::string(eventlog::kCaseEventsTopic),
                                         outcome.positions[0].partition, 0}}));
  ASSERT_OK_AND_ASSIGN(auto records, subscription->Poll(10, std::chrono::seconds(5)));
  ASSERT_EQ(records.size(), 1u);
  EventEnvelope stored;
  ASSERT_TRUE(stored.ParseFromString(records[0].value));
  EXPECT_EQ(records[0].key, "0657/" + case_id_);
  EXPECT_EQ(stored.tenant(), "0657");
  EXPECT_EQ(stored.actor(), "sagsbehandler-1");
  EXPECT_EQ(stored.request_id(), "req-1");
  EXPECT_EQ(stored.correlation_id(), "req-1");
  EXPECT_EQ(stored.event_id(), "00000000-0000-4000-8000-000000000001");
  EXPECT_EQ(stored.recorded_at().seconds(), 1772442900);  // 2026-03-02T09:15:00Z
  EXPECT_EQ(stored.schema_version(), events::kSchemaVersion);
  EXPECT_EQ(stored.aggregate_version(), 1u);
  EXPECT_NE(std::find(records[0].headers.begin(), records[0].headers.end(),
                      eventlog::Header{"trappe-event-type", "trappe.cases.v1.CaseReopened"}),
            records[0].headers.end());
}

TEST_F(CommandRunnerTest, ARetriedRequestIdReturnsTheOriginalOutcomeAndWritesOnce) {
  ASSERT_OK_AND_ASSIGN(const CommandOutcome first,
                       runner_->Run(Meta("req-1"), case_id_, Reopen(case_id_)));
  ASSERT_OK_AND_ASSIGN(const CommandOutcome again,
                       runner_->Run(Meta("req-1"), case_id_, Reopen(case_id_)));
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.positions, first.positions);
  EXPECT_EQ(again.version, first.version);
  EXPECT_EQ(again.aggregate_id, case_id_);
  EXPECT_EQ(RecordsInLog(), 1);
}

TEST_F(CommandRunnerTest, AnExpectedVersionConflictIsAbortedAndWritesNothing) {
  ASSERT_OK(runner_->Run(Meta("req-1"), case_id_, Reopen(case_id_)).status());
  CommandMeta stale = Meta("req-2");
  stale.expected_version = 3;
  EXPECT_STATUS(runner_->Run(stale, case_id_, Reopen(case_id_)), StatusCode::kAborted,
                "expected_version 3 does not match the current version 1");
  EXPECT_EQ(RecordsInLog(), 1);
  CommandMeta current = Meta("req-3");
  current.expected_version = 1;
  ASSERT_OK_AND_ASSIGN(const CommandOutcome outcome, runner_->Run(current, case_id_, Reopen(case_id_)));
  EXPECT_EQ(outcome.version, 2u);
}

TEST_F(CommandRunnerTest, ARejectedDecisionWritesNothing) {
  const DecideFn refuse = [](const projection::ReadView&) -> Result<Decision> {
    return FailedPrecondition("the case is closed");
  };
  EXPECT_STATUS(runner_->Run(Meta("req-1"), case_id_, refuse), StatusCode::kFailedPrecondition,
                "closed");
  EXPECT_EQ(RecordsInLog(), 0);
}

TEST_F(CommandRunnerTest, ACommandSpanningTwoRecordKeysIsRefusedAndWritesNothing) {
  const std::string other_case = NewUuid();
  const DecideFn two_cases = [&](const projection::ReadView& view) -> Result<Decision> {
    TRAPPE_ASSIGN_OR_RETURN(Decision decision, Reopen(case_id_)(view));
    EventEnvelope& second = decision.events.emplace_back(decision.events.front());
    second.set_aggregate_id(other_case);
    second.set_case_id(other_case);
    second.set_aggregate_version(1);
    return decision;
  };
  EXPECT_STATUS(runner_->Run(Meta("req-1"), case_id_, two_cases), StatusCode::kInternal,
                "share one record key");
  EXPECT_EQ(RecordsInLog(), 0);
}

TEST_F(CommandRunnerTest, InvalidCommandFieldsAreNamed) {
  CommandMeta meta = Meta("req-1");
  meta.tenant = "657";
  EXPECT_STATUS(runner_->Run(meta, case_id_, Reopen(case_id_)), StatusCode::kInvalidArgument,
                "tenant: must be a 4-digit municipality code");
  meta = Meta("");
  EXPECT_STATUS(runner_->Run(meta, case_id_, Reopen(case_id_)), StatusCode::kInvalidArgument,
                "request_id: is required");
  meta = Meta("req-1");
  meta.actor.clear();
  EXPECT_STATUS(runner_->Run(meta, case_id_, Reopen(case_id_)), StatusCode::kInvalidArgument,
                "actor: is required");
  EXPECT_EQ(RecordsInLog(), 0);
}

TEST_F(CommandRunnerTest, ConcurrentCommandsOnOneAggregateGetGaplessVersions) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 10;
  std::vector<std::vector<uint64_t>> versions(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto outcome = runner_->Run(Meta("req-" + std::to_string(t) + "-" + std::to_string(i)),
                                    case_id_, Reopen(case_id_));
        versions[t].push_back(outcome.ok() ? outcome->version : 0);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<uint64_t> all;
  for (const auto& v : versions) all.insert(v.begin(), v.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(*all.begin(), 1u);
  EXPECT_EQ(*all.rbegin(), static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(RecordsInLog(), kThreads * kPerThread);
}

TEST_F(CommandRunnerTest, MinPositionsOnAnUnknownTopicAreRejected) {
  std::vector<common::v1::LogPosition> positions(1);
  positions[0].set_topic("trappe.nonsense.v1");
  EXPECT_STATUS(runtime_->AwaitPositions(positions, nullptr), StatusCode::kInvalidArgument,
                "min_positions[0].topic");
  positions[0].set_topic(std::string(eventlog::kCaseEventsTopic));
  positions[0].set_offset(-1);
  EXPECT_STATUS(runtime_->AwaitPositions(positions, nullptr), StatusCode::kInvalidArgument,
                "min_positions[0]");
}

TEST_F(CommandRunnerTest, MinPositionsOfAWriteAreAlreadyApplied) {
  ASSERT_OK_AND_ASSIGN(const CommandOutcome outcome,
                       runner_->Run(Meta("req-1"), case_id_, Reopen(case_id_)));
  std::vector<common::v1::LogPosition> positions;
  for (const auto& p : outcome.positions) positions.push_back(ToProtoPosition(p));
  // An org-events position is outside this projection's topics and is not waited for.
  common::v1::LogPosition org;
  org.set_topic(std::string(eventlog::kOrgEventsTopic));
  org.set_offset(1'000'000);
  positions.push_back(org);
  EXPECT_OK(runtime_->AwaitPositions(positions, nullptr));
}

TEST(ServiceRuntimeTest, CommandsAreUnavailableUntilCaughtUp) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto log, eventlog::OpenEmbeddedLog({.directory = dir.Sub("log"),
                                                            .topics = eventlog::DefaultTopics(1),
                                                            .sync = false}));
  ASSERT_OK_AND_ASSIGN(auto engine,
                       projection::Engine::Open(log.get(), std::make_shared<CaseVersionProjection>(),
                                                {.directory = dir.Sub("projection")}));
  ServiceRuntime runtime("test.Service", engine.get());
  EXPECT_STATUS(runtime.CheckReady(), StatusCode::kUnavailable, "catching up");
  runtime.StartCatchUp(nullptr);
  ASSERT_OK(runtime.WaitUntilReady(std::chrono::steady_clock::now() + std::chrono::minutes(1)));
  EXPECT_OK(runtime.CheckReady());
}

}  // namespace
}  // namespace trappe::service
