// Rebuild and checksum: a rebuilt store has the same content, and so the same checksum, as
// the live one, however the partitions were interleaved; the old store serves until the
// swap, and the swap survives a restart.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "projection_test_util.h"
#include "trappe/testing/status_matchers.h"
#include "trappe/testing/temp_dir.h"

namespace trappe::projection::testing {
namespace {

using std::chrono::steady_clock;
using ::trappe::testing::TempDir;

std::vector<std::string> StoreDirectories(const std::string& directory) {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("store-", 0) == 0) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

EventCountProjection::Options BothTopics() {
  EventCountProjection::Options options;
  options.topics = {kCases, kOrg};
  return options;
}

TEST(ProjectionRebuildTest, RebuildChecksumEqualsLiveChecksumAcrossInterleavings) {
  MemoryEventLog log({{kCases, 5}, {kOrg, 3}});
  TempDir dir;
  // The live engine applies while the history is still being written.
  log.SetInterleavingSeed(101);
  ASSERT_OK_AND_ASSIGN(auto live,
                       Engine::Open(&log, std::make_shared<EventCountProjection>(BothTopics()),
                                    OptionsFor(dir.Sub("live"), 37)));
  ASSERT_OK(live->Start());
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    AppendRandomHistory(log, kCases, 700, 60, seed);
    AppendRandomHistory(log, kOrg, 150, 10, seed + 100);
  }
  ASSERT_OK(live->CatchUp(steady_clock::now() + std::chrono::minutes(1)));
  ASSERT_OK_AND_ASSIGN(const std::string live_checksum, live->Checksum());

  // Other engines read the finished log in other interleavings and batch sizes.
  for (const uint64_t seed : {7u, 8u, 9u}) {
    TempDir other_dir;
    log.SetInterleavingSeed(seed);
    ASSERT_OK_AND_ASSIGN(auto other,
                         Engine::Open(&log, std::make_shared<EventCountProjection>(BothTopics()),
                                      OptionsFor(other_dir.Sub("p"), 1 + seed * 50)));
    ASSERT_OK(other->CatchUp());
    ASSERT_OK_AND_ASSIGN(const std::string checksum, other->Checksum());
    EXPECT_EQ(checksum, live_checksum) << "interleaving seed " << seed;
  }

  // And the live engine's own rebuild, in yet another interleaving.
  log.SetInterleavingSeed(55);
  std::vector<RebuildProgress> reports;
  ASSERT_OK(live->Rebuild([&](const RebuildProgress& progress) { reports.push_back(progress); }));
  ASSERT_OK_AND_ASSIGN(const std::string rebuilt_checksum, live->Checksum());
  EXPECT_EQ(rebuilt_checksum, live_checksum);
  EXPECT_EQ(live->Metrics().rebuilds_completed, 1u);

  ASSERT_GE(reports.size(), 3u);
  EXPECT_EQ(reports.front().events_done, 0u);
  EXPECT_EQ(reports.back().events_total, 4u * 850u);
  EXPECT_EQ(reports.back().events_done, 4u * 850u);
  EXPECT_TRUE(reports.back().finished);
  EXPECT_GT(reports.back().events_per_second, 0);
  for (size_t i = 1; i < reports.size(); ++i) {
    EXPECT_GE(reports[i].events_done, reports[i - 1].events_done);
  }
  EXPECT_FALSE(live->CurrentRebuild().has_value());
}

TEST(ProjectionChecksumTest, ChecksumCoversContentNotCheckpoints) {
  MemoryEventLog log({{kCases, 2}});
  AppendRandomHistory(log, kCases, 200, 10, 4);
  TempDir a_dir, b_dir;
  ASSERT_OK_AND_ASSIGN(auto a, Engine::Open(&log, std::make_shared<EventCountProjection>(),
                                            OptionsFor(a_dir.Sub("p"))));
  ASSERT_OK(a->CatchUp());
  ASSERT_OK_AND_ASSIGN(const std::string before, a->Checksum());
  ASSERT_OK_AND_ASSIGN(const std::string again, a->Checksum());
  EXPECT_EQ(before, again);
  EXPECT_EQ(before.size(), 64u);

  // A skipped record moves the checkpoints but not the content.
  ASSERT_OK(log.AppendToPartition(kCases, 1, {"0657/x", UnknownPayloadBytes("0657", "x"), {}}));
  ASSERT_OK(a->CatchUp());
  ASSERT_OK_AND_ASSIGN(const std::string after_skip, a->Checksum());
  EXPECT_EQ(after_skip, before);

  // One more event changes it.
  ASSERT_OK(log.Append(kCases, {CaseRecord("0657", "case-1", 99, 0)}));
  ASSERT_OK(a->CatchUp());
  ASSERT_OK_AND_ASSIGN(const std::string after_event, a->Checksum());
  EXPECT_NE(after_event, before);

  // A second store with the same events, applied in another order, agrees.
  log.SetInterleavingSeed(999);
  ASSERT_OK_AND_ASSIGN(auto b, Engine::Open(&log, std::make_shared<EventCountProjection>(),
                                            OptionsFor(b_dir.Sub("p"), 3)));
  ASSERT_OK(b->CatchUp());
  ASSERT_OK_AND_ASSIGN(const std::string b_checksum, b->Checksum());
  EXPECT_EQ(b_checksum, after_event);
}

TEST(ProjectionRebuildTest, OldStoreServesUntilTheSwapAndIsRemovedAfterItsLastReader) {
  TempDir dir;
  MemoryEventLog log({{kCases, 3}});
  AppendRandomHistory(log, kCases, 500, 20, 21);
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(&log, std::make_shared<EventCountProjection>(),
                                                 OptionsFor(dir.Sub("p"), 16)));
  ASSERT_OK(engine->CatchUp());
  const auto expected = CountPerAggregate(log.ReadAll(kCases));
  auto old_view = engine->Snapshot();
  const std::string old_store = old_view->StoreName();

  int reports_during_replay = 0;
  ASSERT_OK(engine->Rebuild([&](const RebuildProgress& progress) {
    if (progress.finished) return;
    ++reports_during_replay;
    // Mid-rebuild, queries still read the old, complete store.
    EXPECT_EQ(engine->Snapshot()->StoreName(), old_store);
    EXPECT_EQ(ReadCounters(*engine, EventCountProjection::kPerAggregate), expected);
    ASSERT_TRUE(engine->CurrentRebuild().has_value());
    EXPECT_EQ(engine->CurrentRebuild()->events_done, progress.events_done);
  }));
  EXPECT_GT(reports_during_replay, 1);
  EXPECT_NE(engine->Snapshot()->StoreName(), old_store);
  EXPECT_EQ(ReadCounters(*engine, EventCountProjection::kPerAggregate), expected);

  // The reader that held the old store still reads it; the directory goes when it lets go.
  ASSERT_OK_AND_ASSIGN(auto value,
                       old_view->Get(EventCountProjection::kPerAggregate, expected.begin()->first));
  EXPECT_EQ(DecodeInt64(value.value()), expected.begin()->second);
  EXPECT_EQ(StoreDirectories(dir.Sub("p")).size(), 2u);
  old_view.reset();
  EXPECT_EQ(StoreDirectories(dir.Sub("p")),
            std::vector<std::string>{engine->Snapshot()->StoreName()});
}

TEST(ProjectionRebuildTest, RebuildWhileLiveEventsArriveEndsWithEveryEventOnce) {
  TempDir dir;
  MemoryEventLog log({{kCases, 4}});
  AppendRandomHistory(log, kCases, 800, 30, 31);
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(&log, std::make_shared<EventCountProjection>(),
                                                 OptionsFor(dir.Sub("p"), 32)));
  ASSERT_OK(engine->Start());
  uint64_t seed = 1000;
  ASSERT_OK(engine->Rebuild([&](const RebuildProgress& progress) {
    // New events land while the rebuild replays; the live engine applies them to the old
    // store, and the rebuild must take them over before the swap.
    if (!progress.finished) AppendRandomHistory(log, kCases, 40, 30, ++seed);
  }));
  ASSERT_OK(engine->CatchUp(steady_clock::now() + std::chrono::minutes(1)));
  AppendRandomHistory(log, kCases, 100, 30, 5000);  // the live thread continues on the new store
  ASSERT_OK(engine->CatchUp(steady_clock::now() + std::chrono::minutes(1)));
  engine->Stop();
  EXPECT_EQ(ReadCounters(*engine, EventCountProjection::kPerAggregate),
            CountPerAggregate(log.ReadAll(kCases)));

  TempDir fresh_dir;
  ASSERT_OK_AND_ASSIGN(auto fresh, Engine::Open(&log, std::make_shared<EventCountProjection>(),
                                                OptionsFor(fresh_dir.Sub("p"))));
  ASSERT_OK(fresh->CatchUp());
  EXPECT_EQ(engine->Checksum().value(), fresh->Checksum().value());
}

TEST(ProjectionRebuildTest, RestartFindsTheRebuiltStoreAndDropsLeftovers) {
  TempDir dir;
  MemoryEventLog log({{kCases, 2}});
  AppendRandomHistory(log, kCases, 300, 10, 41);
  std::string rebuilt;
  {
    ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(&log, std::make_shared<EventCountProjection>(),
                                                   OptionsFor(dir.Sub("p"))));
    ASSERT_OK(engine->CatchUp());
    ASSERT_OK(engine->Rebuild());
    rebuilt = engine->Snapshot()->StoreName();
  }
  // An unfinished rebuild left behind by a crash.
  std::filesystem::create_directories(dir.Sub("p") + "/store-000042");
  AppendRandomHistory(log, kCases, 100, 10, 42);
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(&log, std::make_shared<EventCountProjection>(),
                                                 OptionsFor(dir.Sub("p"))));
  EXPECT_EQ(engine->Snapshot()->StoreName(), rebuilt);
  EXPECT_EQ(StoreDirectories(dir.Sub("p")), std::vector<std::string>{rebuilt});
  ASSERT_OK(engine->CatchUp());
  EXPECT_EQ(engine->Metrics().events_applied, 100u);  // resumed after the rebuilt checkpoints
  EXPECT_EQ(ReadCounters(*engine, EventCountProjection::kPerAggregate),
            CountPerAggregate(log.ReadAll(kCases)));
}

TEST(ProjectionRebuildTest, NewProjectionVersionReplaysIntoAFreshStore) {
  TempDir dir;
  MemoryEventLog log({{kCases, 2}});
  AppendRandomHistory(log, kCases, 300, 10, 51);
  {
    ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(&log, std::make_shared<EventCountProjection>(),
                                                   OptionsFor(dir.Sub("p"))));
    ASSERT_OK(engine->CatchUp());
  }
  EventCountProjection::Options v2;
  v2.version = 2;
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(&log, std::make_shared<EventCountProjection>(v2),
                                                 OptionsFor(dir.Sub("p"))));
  ASSERT_OK(engine->CatchUp());
  EXPECT_EQ(engine->Metrics().events_applied, 300u);
  EXPECT_EQ(ReadCounters(*engine, EventCountProjection::kPerAggregate),
            CountPerAggregate(log.ReadAll(kCases)));
  EXPECT_EQ(StoreDirectories(dir.Sub("p")).size(), 1u);
}

TEST(ProjectionRebuildTest, FailedRebuildKeepsTheOldStoreAndRemovesTheNewOne) {
  TempDir dir;
  MemoryEventLog log({{kCases, 2}});
  AppendRandomHistory(log, kCases, 100, 10, 61);
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(&log, std::make_shared<EventCountProjection>(),
                                                 OptionsFor(dir.Sub("p"))));
  ASSERT_OK(engine->CatchUp());
  const std::string store = engine->Snapshot()->StoreName();
  ASSERT_OK_AND_ASSIGN(const std::string checksum, engine->Checksum());
  // A record the running store never saw, which the rebuild cannot pass.
  ASSERT_OK(log.AppendToPartition(kCases, 0, {"0657/z", UndecodableBytes(), {}}));
  EXPECT_STATUS(engine->Rebuild(), StatusCode::kDataLoss, "rebuilding projection test.event_count");
  EXPECT_EQ(engine->Snapshot()->StoreName(), store);
  EXPECT_EQ(engine->Checksum().value(), checksum);
  EXPECT_EQ(StoreDirectories(dir.Sub("p")), std::vector<std::string>{store});
  EXPECT_FALSE(engine->CurrentRebuild().has_value());
}

TEST(ProjectionRebuildTest, CancelledRebuildKeepsTheCurrentStoreAndAllowsTheNextRebuild) {
  TempDir dir;
  MemoryEventLog log({{kCases, 2}});
  AppendRandomHistory(log, kCases, 400, 10, 65);
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(&log, std::make_shared<EventCountProjection>(),
                                                 OptionsFor(dir.Sub("p"), 16)));
  ASSERT_OK(engine->CatchUp());
  const std::string store = engine->Snapshot()->StoreName();
  ASSERT_OK_AND_ASSIGN(const std::string checksum, engine->Checksum());
  int batches = 0;
  EXPECT_STATUS(engine->Rebuild(nullptr, [&] { return ++batches == 3; }),
                StatusCode::kCancelled, "cancelled");
  EXPECT_EQ(batches, 3);
  EXPECT_EQ(engine->Snapshot()->StoreName(), store);
  EXPECT_EQ(engine->Checksum().value(), checksum);
  EXPECT_EQ(StoreDirectories(dir.Sub("p")), std::vector<std::string>{store});
  EXPECT_FALSE(engine->CurrentRebuild().has_value());
  EXPECT_EQ(engine->Metrics().rebuilds_completed, 0u);

  ASSERT_OK(engine->Rebuild());
  EXPECT_NE(engine->Snapshot()->StoreName(), store);
  EXPECT_EQ(engine->Checksum().value(), checksum);
}

// Stands for a projection whose code an operator fixes: it refuses one aggregate until told
// otherwise.
class FixableProjection : public EventCountProjection {
 public:
  Status Apply(const Event& event, ApplyContext& context) const override {
    if (refuse && event.envelope.aggregate_id() == "bad") return Internal("cannot handle bad");
    return EventCountProjection::Apply(event, context);
  }
  std::atomic<bool> refuse{true};
};

TEST(ProjectionRebuildTest, SuccessfulRebuildClearsAStoppedProjection) {
  TempDir dir;
  MemoryEventLog log({{kCases, 2}});
  AppendRandomHistory(log, kCases, 100, 5, 71);
  ASSERT_OK_AND_ASSIGN(auto bad, log.Append(kCases, {CaseRecord("0657", "bad", 1, 0)}));
  auto projection = std::make_shared<FixableProjection>();
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(&log, projection, OptionsFor(dir.Sub("p"))));
  ASSERT_OK(engine->Start());
  EXPECT_STATUS(engine->WaitFor(bad, Forever()), StatusCode::kUnavailable, "cannot handle bad");
  EXPECT_STATUS(engine->Health(), StatusCode::kInternal, "cannot handle bad");

  projection->refuse = false;
  ASSERT_OK(engine->Rebuild());
  EXPECT_OK(engine->Health());
  EXPECT_FALSE(engine->Metrics().failed);
  EXPECT_OK(engine->WaitFor(bad, Forever()));
  AppendRandomHistory(log, kCases, 50, 5, 72);  // and the live thread carries on
  ASSERT_OK(engine->CatchUp(steady_clock::now() + std::chrono::minutes(1)));
  engine->Stop();
  EXPECT_EQ(ReadCounters(*engine, EventCountProjection::kPerAggregate),
            CountPerAggregate(log.ReadAll(kCases)));
}

}  // namespace
}  // namespace trappe::projection::testing
