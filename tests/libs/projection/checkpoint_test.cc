// Checkpoints: projection changes and per-partition checkpoints are committed together, and
// an engine reopened on the same store resumes right after them.
#include <gtest/gtest.h>

#include "projection_test_util.h"
#include "trappe/testing/status_matchers.h"
#include "trappe/testing/temp_dir.h"

namespace trappe::projection::testing {
namespace {

using ::trappe::testing::TempDir;

std::vector<eventlog::TopicPartitionOffset> EndOf(MemoryEventLog& log, const std::string& topic) {
  std::vector<eventlog::TopicPartitionOffset> out;
  const auto ends = log.EndOffsets(topic).value();
  for (size_t p = 0; p < ends.size(); ++p) out.push_back({topic, static_cast<int32_t>(p), ends[p]});
  return out;
}

bool SameOffsets(const std::vector<eventlog::TopicPartitionOffset>& a,
                 const std::vector<eventlog::TopicPartitionOffset>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].topic != b[i].topic || a[i].partition != b[i].partition ||
        a[i].offset != b[i].offset) {
      return false;
    }
  }
  return true;
}

TEST(ProjectionCheckpointTest, CatchUpAppliesEveryEventOnceAndCheckpointsEveryPartition) {
  TempDir dir;
  MemoryEventLog log({{kCases, 4}});
  AppendRandomHistory(log, kCases, 1500, 40, 7);
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(&log, std::make_shared<EventCountProjection>(),
                                                 OptionsFor(dir.Sub("p"))));
  EXPECT_FALSE(engine->InitialCatchUpDone());
  ASSERT_OK(engine->CatchUp());

  EXPECT_TRUE(engine->InitialCatchUpDone());
  EXPECT_EQ(ReadCounters(*engine, EventCountProjection::kPerAggregate),
            CountPerAggregate(log.ReadAll(kCases)));
  EXPECT_TRUE(SameOffsets(engine->Checkpoints(), EndOf(log, kCases)));
  ASSERT_OK_AND_ASSIGN(auto stored, engine->Snapshot()->Checkpoints());
  EXPECT_TRUE(SameOffsets(stored, EndOf(log, kCases)));
  EXPECT_EQ(engine->Metrics().events_applied, 1500u);
}

TEST(ProjectionCheckpointTest, ReopenedEngineResumesRightAfterCheckpoint) {
  TempDir dir;
  MemoryEventLog log({{kCases, 3}});
  AppendRandomHistory(log, kCases, 700, 25, 11);
  {
    ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(&log, std::make_shared<EventCountProjection>(),
                                                   OptionsFor(dir.Sub("p"), 50)));
    ASSERT_OK(engine->CatchUp());
  }
  AppendRandomHistory(log, kCases, 600, 25, 12);
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(&log, std::make_shared<EventCountProjection>(),
                                                 OptionsFor(dir.Sub("p"), 50)));
  ASSERT_OK(engine->CatchUp());

  // Counts are exact: the first 700 events were not applied again after the reopen.
  EXPECT_EQ(ReadCounters(*engine, EventCountProjection::kPerAggregate),
            CountPerAggregate(log.ReadAll(kCases)));
  EXPECT_EQ(engine->Metrics().events_applied, 600u);
}

TEST(ProjectionCheckpointTest, BatchSizeAndCacheSizeDoNotChangeResult) {
  // One record per batch and one batch for everything must agree: reads inside Apply see
  // the batch's own earlier writes.
  MemoryEventLog log({{kCases, 2}});
  AppendRandomHistory(log, kCases, 400, 5, 3);
  std::vector<std::string> checksums;
  // With a cache of a few keys, batches outgrow it: reads fall back to the batch and store.
  for (const auto& [batch, cached] : std::vector<std::pair<size_t, size_t>>{
           {1, size_t{1} << 20}, {7, 2}, {100000, 5}, {100000, size_t{1} << 20}}) {
    TempDir dir;
    EngineOptions options = OptionsFor(dir.Sub("p"), batch);
    options.max_cached_keys = cached;
    ASSERT_OK_AND_ASSIGN(auto engine,
                         Engine::Open(&log, std::make_shared<EventCountProjection>(), options));
    ASSERT_OK(engine->CatchUp());
    EXPECT_EQ(ReadCounters(*engine, EventCountProjection::kPerAggregate),
              CountPerAggregate(log.ReadAll(kCases)));
    ASSERT_OK_AND_ASSIGN(auto checksum, engine->Checksum());
    checksums.push_back(checksum);
  }
  for (const auto& checksum : checksums) EXPECT_EQ(checksum, checksums[0]);
}

// Keeps, per case, one key per event and the number of keys it finds by scanning; a
// case-closed event deletes the case's keys. Exercises Scan and Delete within a batch.
class KeyListProjection : public Projection {
 public:
  std::string Name() const override { return "test.key_list"; }
  std::vector<std::string> Topics() const override { return {kCases}; }
  std::vector<std::string> ColumnFamilies() const override { return {"keys", "seen"}; }
  Status Apply(const Event& event, ApplyContext& context) const override {
    const auto& envelope = event.envelope;
    const std::string prefix = TenantKey(envelope.tenant(), {envelope.aggregate_id(), ""});
    if (envelope.has_case_closed()) {
      std::vector<std::string> keys;
      TRAPPE_RETURN_IF_ERROR(context.Scan(0, prefix, [&](std::string_view key, std::string_view) {
        keys.emplace_back(key);
        return true;
      }));
      for (const auto& key : keys) TRAPPE_RETURN_IF_ERROR(context.Delete(0, key));
    } else {
      std::string key = prefix;
      AppendInt64(&key, static_cast<int64_t>(envelope.aggregate_version()));
      TRAPPE_RETURN_IF_ERROR(context.Put(0, key, "x"));
    }
    int64_t count = 0;
    TRAPPE_RETURN_IF_ERROR(context.Scan(0, prefix, [&](std::string_view, std::string_view) {
      ++count;
      return true;
    }));
    return context.Put(1, TenantKey(envelope.tenant(), {envelope.aggregate_id()}),
                       EncodeInt64(count));
  }
};

TEST(ProjectionCheckpointTest, ScanAndDeleteSeeEarlierWritesOfTheSameBatch) {
  MemoryEventLog log({{kCases, 2}});
  AppendRandomHistory(log, kCases, 600, 6, 5);
  // The expected number of keys per case: events since its last close.
  std::map<std::string, int64_t> expected;
  events::v1::EventEnvelope envelope;
  for (const auto& record : log.ReadAll(kCases)) {
    ASSERT_TRUE(envelope.ParseFromString(record.value));
    auto& count = expected[TenantKey(envelope.tenant(), {envelope.aggregate_id()})];
    count = envelope.has_case_closed() ? 0 : count + 1;
  }
  std::vector<std::string> checksums;
  for (const size_t batch : {size_t{1}, size_t{13}, size_t{1000}}) {
    TempDir dir;
    EngineOptions options = OptionsFor(dir.Sub("p"), batch);
    options.max_cached_keys = batch == 13 ? 4 : options.max_cached_keys;
    ASSERT_OK_AND_ASSIGN(auto engine,
                         Engine::Open(&log, std::make_shared<KeyListProjection>(), options));
    ASSERT_OK(engine->CatchUp());
    EXPECT_EQ(ReadCounters(*engine, 1), expected) << "batch " << batch;
    ASSERT_OK_AND_ASSIGN(auto checksum, engine->Checksum());
    checksums.push_back(checksum);
  }
  EXPECT_EQ(checksums[0], checksums[1]);
  EXPECT_EQ(checksums[0], checksums[2]);
}

TEST(ProjectionCheckpointTest, ApplyErrorCommitsTheRecordsBeforeItAndNothingOfIt) {
  TempDir dir;
  MemoryEventLog log({{kCases, 1}});
  for (int v = 1; v <= 5; ++v) ASSERT_OK(log.Append(kCases, {CaseRecord("0657", "good", v, 1)}));
  ASSERT_OK_AND_ASSIGN(auto bad, log.Append(kCases, {CaseRecord("0657", "bad", 1, 0)}));
  for (int v = 6; v <= 8; ++v) ASSERT_OK(log.Append(kCases, {CaseRecord("0657", "good", v, 1)}));

  EventCountProjection::Options options;
  options.fail_on_aggregate = "bad";
  for (int attempt = 0; attempt < 2; ++attempt) {  // a restart stops at the same record
    ASSERT_OK_AND_ASSIGN(auto engine,
                         Engine::Open(&log, std::make_shared<EventCountProjection>(options),
                                      OptionsFor(dir.Sub("p"), 100)));
    EXPECT_STATUS(engine->CatchUp(), StatusCode::kInternal, "refusing aggregate bad");
    EXPECT_STATUS(engine->Health(), StatusCode::kInternal, "applying trappe.case-events.v1/0@5");
    EXPECT_TRUE(engine->Metrics().failed);
    // The bad event wrote its first counter before failing: none of it is in the store.
    EXPECT_EQ(ReadCounters(*engine, EventCountProjection::kPerAggregate),
              (std::map<std::string, int64_t>{{"0657/good", 5}}));
    ASSERT_EQ(engine->Checkpoints().size(), 1u);
    EXPECT_EQ(engine->Checkpoints()[0].offset, bad[0].offset);
    EXPECT_OK(engine->WaitFor({{kCases, 0, 4}}, Forever()));
    EXPECT_STATUS(engine->WaitFor({{kCases, 0, 5}}, Forever()), StatusCode::kUnavailable,
                  "stopped before");
  }
}

}  // namespace
}  // namespace trappe::projection::testing
