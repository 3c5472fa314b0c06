// The engine's live behaviour: its thread, waiting for positions, catch-up state, and
// what it does with records it cannot apply.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "projection_test_util.h"
#include "trappe/testing/status_matchers.h"
#include "trappe/testing/temp_dir.h"

namespace trappe::projection::testing {
namespace {

using std::chrono::steady_clock;
using ::trappe::testing::TempDir;

TEST(ProjectionEngineTest, WaitForReturnsOnceThePositionIsApplied) {
  TempDir dir;
  MemoryEventLog log({{kCases, 4}});
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(&log, std::make_shared<EventCountProjection>(),
                                                 OptionsFor(dir.Sub("p"))));
  ASSERT_OK(engine->Start());
  for (int round = 1; round <= 20; ++round) {
    ASSERT_OK_AND_ASSIGN(auto positions,
                         log.Append(kCases, {CaseRecord("0657", "case-7", round, 1)}));
    // Read-your-writes: once WaitFor returns, a fresh snapshot shows the write.
    ASSERT_OK(engine->WaitFor(positions, steady_clock::now() + std::chrono::minutes(1)));
    ASSERT_OK_AND_ASSIGN(
        auto value, engine->Snapshot()->Get(EventCountProjection::kPerAggregate, "0657/case-7"));
    ASSERT_TRUE(value.has_value());
    EXPECT_EQ(DecodeInt64(*value), round);
  }
}

// A scan from a key inside a prefix gives the prefix's keys from there on, and nothing of
// the next prefix; a start below the prefix is the whole prefix.
TEST(ProjectionEngineTest, AScanFromAKeyGivesThePrefixFromThere) {
  TempDir dir;
  MemoryEventLog log({{kCases, 2}});
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(&log, std::make_shared<EventCountProjection>(),
                                                 OptionsFor(dir.Sub("p"))));
  std::vector<eventlog::Record> records;
  for (const char* id : {"case-1", "case-2", "case-3", "case-4"}) {
    records.push_back(CaseRecord("0657", id, 1, 1));
  }
  records.push_back(CaseRecord("0658", "case-0", 1, 1));
  ASSERT_OK(log.Append(kCases, std::move(records)).status());
  ASSERT_OK(engine->CatchUp());
  const auto view = engine->Snapshot();
  const auto keys = [&](std::string_view prefix, std::string_view from) {
    std::vector<std::string> out;
    const Status scanned = view->Scan(EventCountProjection::kPerAggregate, prefix, from,
                                      [&](std::string_view key, std::string_view) {
                                        out.emplace_back(key);
                                        return true;
                                      });
    if (!scanned.ok()) out.push_back(scanned.ToString());
    return out;
  };
  using Keys = std::vector<std::string>;
  EXPECT_EQ(keys("0657/", "0657/case-3"), (Keys{"0657/case-3", "0657/case-4"}));
  EXPECT_EQ(keys("0657/", "0657/case-2x"), (Keys{"0657/case-3", "0657/case-4"}));
  EXPECT_EQ(keys("0657/", ""), (Keys{"0657/case-1", "0657/case-2", "0657/case-3", "0657/case-4"}));
  EXPECT_EQ(keys("0657/", "0657/case-5"), Keys{});
  EXPECT_EQ(keys("0657/", "0658/"), Keys{});
}

// The lag of a view is that of its own checkpoints, not of the engine's latest ones: a
// view taken before more records were applied still shows them as lag, so a status that
// reports a view's checksum beside its lag never pairs an older checksum with no lag.
TEST(ProjectionEngineTest, TheLagAtAViewCountsWhatWasAppliedAfterIt) {
  TempDir dir;
  MemoryEventLog log({{kCases, 1}});
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(&log, std::make_shared<EventCountProjection>(),
                                                 OptionsFor(dir.Sub("p"))));
  for (int v = 1; v <= 3; ++v) ASSERT_OK(log.Append(kCases, {CaseRecord("0657", "case-1", v, 1)}));
  ASSERT_OK(engine->CatchUp());
  const auto before = engine->Snapshot();
  ASSERT_OK_AND_ASSIGN(const std::string checksum_before, before->Checksum());
  for (int v = 4; v <= 5; ++v) ASSERT_OK(log.Append(kCases, {CaseRecord("0657", "case-1", v, 1)}));
  ASSERT_OK(engine->CatchUp());

  ASSERT_OK_AND_ASSIGN(const CatchUpState at_before, engine->LagAt(*before));
  EXPECT_FALSE(at_before.caught_up);
  EXPECT_EQ(at_before.total_lag, 2);
  ASSERT_EQ(at_before.partitions.size(), 1u);
  EXPECT_EQ(at_before.partitions[0].next_offset, 3);
  EXPECT_EQ(at_before.partitions[0].end_offset, 5);

  const auto now = engine->Snapshot();
  ASSERT_OK_AND_ASSIGN(const CatchUpState at_now, engine->LagAt(*now));
  EXPECT_TRUE(at_now.caught_up);
  EXPECT_EQ(at_now.total_lag, 0);
  ASSERT_OK_AND_ASSIGN(const CatchUpState lag, engine->Lag());
  EXPECT_EQ(lag.total_lag, 0);
  ASSERT_OK_AND_ASSIGN(const std::string checksum_now, now->Checksum());
  EXPECT_NE(checksum_now, checksum_before);
}

TEST(ProjectionEngineTest, WaitForBlocksUntilAnotherThreadApplies) {
  TempDir dir;
  MemoryEventLog log({{kCases, 2}});
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(&log, std::make_shared<EventCountProjection>(),
                                                 OptionsFor(dir.Sub("p"))));
  const eventlog::Position wanted{kCases, eventlog::PartitionForKey("0657/case-1", 2), 0};
  auto waiter =
      std::async(std::launch::async, [&] { return engine->WaitFor({wanted}, Forever()); });
  ASSERT_OK(log.Append(kCases, {CaseRecord("0657", "case-1", 1, 0)}));
  ASSERT_OK(engine->CatchUp());  // applies on this thread; the waiter wakes on the commit
  EXPECT_OK(waiter.get());
}

TEST(ProjectionEngineTest, WaitForTimesOutWhenThePositionIsNotApplied) {
  TempDir dir;
  MemoryEventLog log({{kCases, 2}});
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(&log, std::make_shared<EventCountProjection>(),
                                                 OptionsFor(dir.Sub("p"))));
  ASSERT_OK(engine->Start());
  // Offset 3 of partition 0 does not exist yet.
  EXPECT_STATUS(
      engine->WaitFor({{kCases, 0, 3}}, steady_clock::now() + std::chrono::milliseconds(30)),
      StatusCode::kDeadlineExceeded, "trappe.case-events.v1/0@3");
  // A deadline already past fails at once, unless the position is applied.
  EXPECT_STATUS(engine->WaitFor({{kCases, 1, 0}}, steady_clock::now()),
                StatusCode::kDeadlineExceeded, "within the deadline");
  EXPECT_OK(engine->WaitFor({}, steady_clock::now()));
}

TEST(ProjectionEngineTest, WaitForRejectsPositionsTheProjectionDoesNotRead) {
  TempDir dir;
  MemoryEventLog log({{kCases, 2}, {kOrg, 2}});
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(&log, std::make_shared<EventCountProjection>(),
                                                 OptionsFor(dir.Sub("p"))));
  EXPECT_STATUS(engine->WaitFor({{kOrg, 0, 0}}, Forever()), StatusCode::kInvalidArgument,
                "min_position");
  EXPECT_STATUS(engine->WaitFor({{kCases, 9, 0}}, Forever()), StatusCode::kInvalidArgument,
                "no partition");
}

TEST(ProjectionEngineTest, LagIsReportedPerPartitionUntilCaughtUp) {
  TempDir dir;
  MemoryEventLog log({{kCases, 3}});
  for (int p = 0; p < 3; ++p) {
    for (int i = 0; i <= p; ++i) {
      ASSERT_OK(
          log.AppendToPartition(kCases, p, CaseRecord("0657", "c" + std::to_string(p), i + 1, 0)));
    }
  }
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(&log, std::make_shared<EventCountProjection>(),
                                                 OptionsFor(dir.Sub("p"))));
  ASSERT_OK_AND_ASSIGN(auto before, engine->Lag());
  EXPECT_FALSE(before.caught_up);
  EXPECT_EQ(before.total_lag, 6);
  ASSERT_EQ(before.partitions.size(), 3u);
  for (int p = 0; p < 3; ++p) {
    EXPECT_EQ(before.partitions[p].partition, p);
    EXPECT_EQ(before.partitions[p].next_offset, 0);
    EXPECT_EQ(before.partitions[p].end_offset, p + 1);
    EXPECT_EQ(before.partitions[p].lag(), p + 1);
  }
  ASSERT_OK(engine->Start());
  ASSERT_OK(engine->CatchUp(steady_clock::now() + std::chrono::minutes(1)));
  EXPECT_TRUE(engine->InitialCatchUpDone());
  ASSERT_OK_AND_ASSIGN(auto after, engine->Lag());
  EXPECT_TRUE(after.caught_up);
  EXPECT_EQ(after.total_lag, 0);

  engine->Stop();
  ASSERT_OK(log.AppendToPartition(kCases, 1, CaseRecord("0657", "c1", 3, 0)));
  ASSERT_OK_AND_ASSIGN(auto behind, engine->Lag());
  EXPECT_FALSE(behind.caught_up);
  EXPECT_EQ(behind.partitions[1].lag(), 1);
  EXPECT_TRUE(engine->InitialCatchUpDone());  // reached once; a service keeps serving
}

TEST(ProjectionEngineTest, StartStopAndStartAgainKeepsApplying) {
  TempDir dir;
  MemoryEventLog log({{kCases, 2}});
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(&log, std::make_shared<EventCountProjection>(),
                                                 OptionsFor(dir.Sub("p"))));
  ASSERT_OK(engine->Start());
  EXPECT_STATUS(engine->Start(), StatusCode::kFailedPrecondition, "already running");
  AppendRandomHistory(log, kCases, 300, 10, 1);
  ASSERT_OK(engine->CatchUp(steady_clock::now() + std::chrono::minutes(1)));
  engine->Stop();
  AppendRandomHistory(log, kCases, 300, 10, 2);
  ASSERT_OK(engine->Start());
  ASSERT_OK(engine->CatchUp(steady_clock::now() + std::chrono::minutes(1)));
  engine->Stop();
  EXPECT_EQ(ReadCounters(*engine, EventCountProjection::kPerAggregate),
            CountPerAggregate(log.ReadAll(kCases)));
}

TEST(ProjectionEngineTest, OpenRejectsBadConfiguration) {
  TempDir dir;
  MemoryEventLog log({{kCases, 1}});
  EXPECT_STATUS(
      Engine::Open(nullptr, std::make_shared<EventCountProjection>(), OptionsFor(dir.Sub("p"))),
      StatusCode::kInvalidArgument, "log");
  EXPECT_STATUS(Engine::Open(&log, std::make_shared<EventCountProjection>(), OptionsFor("")),
                StatusCode::kInvalidArgument, "directory");
  EventCountProjection::Options missing;
  missing.topics = {"no.such.topic"};
  EXPECT_STATUS(
      Engine::Open(&log, std::make_shared<EventCountProjection>(missing), OptionsFor(dir.Sub("q"))),
      StatusCode::kNotFound, "no.such.topic");
}

// --- Bad records -------------------------------------------------------------------------

struct BadLog {
  MemoryEventLog log{{{kCases, 1}}};
  eventlog::Position bad;
  // Three good events, the bad record, two good events: all in partition 0.
  explicit BadLog(const std::string& bad_bytes) {
    for (int v = 1; v <= 3; ++v)
      (void)log.AppendToPartition(kCases, 0, CaseRecord("0657", "a", v, 1));
    bad = log.AppendToPartition(kCases, 0, {"0657/a", bad_bytes, {}}).value();
    for (int v = 4; v <= 5; ++v)
      (void)log.AppendToPartition(kCases, 0, CaseRecord("0657", "a", v, 1));
  }
};

TEST(ProjectionBadRecordTest, UnknownEventIsSkippedCountedAndPassed) {
  TempDir dir;
  BadLog bad(UnknownPayloadBytes("0657", "a"));
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(&bad.log, std::make_shared<EventCountProjection>(),
                                                 OptionsFor(dir.Sub("p"))));
  ASSERT_OK(engine->CatchUp());
  EXPECT_OK(engine->Health());
  EXPECT_EQ(engine->Metrics().unknown_skipped, 1u);
  EXPECT_EQ(engine->Metrics().undecodable_skipped, 0u);
  EXPECT_EQ(engine->Metrics().events_applied, 5u);
  EXPECT_EQ(engine->Checkpoints()[0].offset, 6);
  EXPECT_EQ(ReadCounters(*engine, EventCountProjection::kPerAggregate),
            (std::map<std::string, int64_t>{{"0657/a", 5}}));
}

TEST(ProjectionBadRecordTest, UndecodableRecordIsSkippedWhenTheProjectionAllows) {
  TempDir dir;
  BadLog bad(UndecodableBytes());
  EventCountProjection::Options options;
  options.skip_undecodable = true;
  ASSERT_OK_AND_ASSIGN(auto engine,
                       Engine::Open(&bad.log, std::make_shared<EventCountProjection>(options),
                                    OptionsFor(dir.Sub("p"))));
  ASSERT_OK(engine->CatchUp());
  EXPECT_EQ(engine->Metrics().undecodable_skipped, 1u);
  EXPECT_EQ(engine->Checkpoints()[0].offset, 6);
}

TEST(ProjectionBadRecordTest, UndecodableRecordStopsAProjectionThatNeedsIt) {
  TempDir dir;
  BadLog bad(UndecodableBytes());
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(&bad.log, std::make_shared<EventCountProjection>(),
                                                 OptionsFor(dir.Sub("p"))));
  EXPECT_STATUS(engine->CatchUp(), StatusCode::kDataLoss,
                "undecodable record at trappe.case-events.v1/0@3");
  EXPECT_STATUS(engine->Health(), StatusCode::kDataLoss, "cannot skip");
  EXPECT_TRUE(engine->Metrics().failed);
  EXPECT_EQ(engine->Metrics().undecodable_skipped, 0u);
  // Everything before the bad record is applied; the checkpoint stays on it.
  EXPECT_EQ(engine->Checkpoints()[0].offset, bad.bad.offset);
  EXPECT_EQ(ReadCounters(*engine, EventCountProjection::kPerAggregate),
            (std::map<std::string, int64_t>{{"0657/a", 3}}));
  ASSERT_OK_AND_ASSIGN(auto stored, engine->Snapshot()->Checkpoints());
  EXPECT_EQ(stored[0].offset, bad.bad.offset);
}

TEST(ProjectionBadRecordTest, UnknownEventStopsTheLiveThreadVisibly) {
  TempDir dir;
  BadLog bad(UnknownPayloadBytes("0657", "a"));
  EventCountProjection::Options options;
  options.skip_unknown = false;
  ASSERT_OK_AND_ASSIGN(auto engine,
                       Engine::Open(&bad.log, std::make_shared<EventCountProjection>(options),
                                    OptionsFor(dir.Sub("p"))));
  ASSERT_OK(engine->Start());
  // The waiter learns of the stop instead of waiting out its deadline.
  EXPECT_STATUS(engine->WaitFor({{kCases, 0, 4}}, Forever()), StatusCode::kUnavailable,
                "unknown_event record at trappe.case-events.v1/0@3");
  EXPECT_STATUS(engine->Health(), StatusCode::kFailedPrecondition, "cannot skip");
  EXPECT_OK(engine->WaitFor({{kCases, 0, 2}}, Forever()));
  engine->Stop();
  EXPECT_EQ(engine->Checkpoints()[0].offset, 3);
}

}  // namespace
}  // namespace trappe::projection::testing
