// The EventLog conformance suite: every backend must pass every test here, so a service
// cannot tell them apart. Test names carry the backend: EventLogConformance/Embedded.*,
// EventLogConformance/Kafka.*.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "backends.h"
#include "conformance_util.h"
#include "trappe/eventlog/event_log.h"
#include "trappe/testing/status_matchers.h"

namespace trappe::eventlog::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

template <typename Backend>
class EventLogConformance : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = backend_.Open();
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    log_ = std::move(opened).value();
  }
  void TearDown() override {
    if (log_) log_->Close();
  }

  Backend backend_;
  std::unique_ptr<EventLog> log_;
};

struct BackendName {
  template <typename Backend>
  static std::string GetName(int) {
    return Backend::kName;
  }
};

TYPED_TEST_SUITE(EventLogConformance, Backends, BackendName);

TYPED_TEST(EventLogConformance, PartitionCountIsTheConfiguredOne) {
  ASSERT_OK_AND_ASSIGN(int32_t count, this->log_->PartitionCount(kTopic));
  EXPECT_EQ(count, kPartitions);
  ASSERT_OK_AND_ASSIGN(int32_t other, this->log_->PartitionCount(kOtherTopic));
  EXPECT_EQ(other, kOtherPartitions);
  ASSERT_OK_AND_ASSIGN(std::vector<int64_t> ends, this->log_->EndOffsets(kTopic));
  EXPECT_EQ(ends, std::vector<int64_t>(kPartitions, 0));
}

TYPED_TEST(EventLogConformance, AppendReturnsDenseMonotonicOffsetsInTheKeysPartition) {
  std::vector<Record> records;
  for (int i = 0; i < 200; ++i) {
    records.push_back(MakeRecord("0657/case-" + std::to_string(i % 13), "v" + std::to_string(i)));
  }
  const std::vector<Record> sent = records;
  ASSERT_OK_AND_ASSIGN(std::vector<Position> positions,
                       this->log_->Append(kTopic, std::move(records)));
  ASSERT_EQ(positions.size(), sent.size());

  std::vector<int64_t> expected_next(kPartitions, 0);
  for (size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ(positions[i].topic, kTopic);
    EXPECT_EQ(positions[i].partition, PartitionForKey(sent[i].key, kPartitions));
    EXPECT_EQ(positions[i].offset, expected_next[static_cast<size_t>(positions[i].partition)]++);
  }
  ASSERT_OK_AND_ASSIGN(std::vector<int64_t> ends, this->log_->EndOffsets(kTopic));
  EXPECT_EQ(ends, expected_next);

  // A second append continues where the first stopped.
  ASSERT_OK_AND_ASSIGN(std::vector<Position> more,
                       this->log_->Append(kTopic, {MakeRecord("0657/case-0", "again")}));
  ASSERT_EQ(more.size(), 1u);
  EXPECT_EQ(more[0].offset, expected_next[static_cast<size_t>(more[0].partition)]);
}

TYPED_TEST(EventLogConformance, KeysLandOnKafkasDefaultPartitionNumbers) {
  // Pinned: the partitions Kafka's Java client and librdkafka's murmur2 partitioner choose
  // for these keys over 4 partitions. Every backend must agree.
  const std::pair<std::string, int32_t> pinned[] = {
      {"0657/8d3c1c9e-9a0f-4d47-9a4c-1f3e2b7c6a51", 3},
      {"0657/case-1", 0},
      {"0101/case-1", 1},
      {"21", 0},
      {"foobar", 2},
  };
  std::vector<Record> records;
  for (const auto& [key, partition] : pinned) {
    ASSERT_EQ(PartitionForKey(key, kPartitions), partition) << key;
    records.push_back(MakeRecord(key, "x"));
  }
  ASSERT_OK_AND_ASSIGN(std::vector<Position> positions,
                       this->log_->Append(kTopic, std::move(records)));
  for (size_t i = 0; i < positions.size(); ++i) {
    EXPECT_EQ(positions[i].partition, pinned[i].second) << pinned[i].first;
  }
  ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> read, ReadAll(*this->log_, kTopic));
  for (const StoredRecord& r : read) {
    EXPECT_EQ(r.position.partition, PartitionForKey(r.key, kPartitions)) << r.key;
  }
}

TYPED_TEST(EventLogConformance, RecordsAreReadBackInAppendOrderWithinEachPartition) {
  std::map<int32_t, std::vector<std::string>> appended;  // partition -> values in order
  for (int batch = 0; batch < 10; ++batch) {
    std::vector<Record> records;
    for (int i = 0; i < 25; ++i) {
      const std::string value = std::to_string(batch) + ":" + std::to_string(i);
      records.push_back(MakeRecord("0657/case-" + std::to_string((batch * 7 + i) % 9), value));
    }
    ASSERT_OK_AND_ASSIGN(std::vector<Position> positions,
                         this->log_->Append(kTopic, std::move(records)));
    for (size_t i = 0; i < positions.size(); ++i) {
      appended[positions[i].partition].push_back(std::to_string(batch) + ":" + std::to_string(i));
    }
  }
  ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> read, ReadAll(*this->log_, kTopic));
  std::map<int32_t, std::vector<std::string>> seen;
  std::map<int32_t, int64_t> next_offset;
  for (const StoredRecord& r : read) {
    EXPECT_EQ(r.position.offset, next_offset[r.position.partition]++);
    seen[r.position.partition].push_back(r.value);
  }
  EXPECT_EQ(seen, appended);
}

TYPED_TEST(EventLogConformance, ReadsFromAnyPosition) {
  // One key, so one partition with offsets 0..49.
  std::vector<Record> records;
  for (int i = 0; i < 50; ++i) records.push_back(MakeRecord("0657/one-case", std::to_string(i)));
  ASSERT_OK_AND_ASSIGN(std::vector<Position> positions,
                       this->log_->Append(kTopic, std::move(records)));
  const int32_t partition = positions[0].partition;

  for (int64_t start : {0, 1, 17, 49}) {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Subscription> sub,
                         this->log_->Subscribe({{std::string(kTopic), partition, start}}));
    ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> got,
                         PollUntil(*sub, static_cast<size_t>(50 - start)));
    ASSERT_EQ(got.size(), static_cast<size_t>(50 - start));
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].position.offset, start + static_cast<int64_t>(i));
      EXPECT_EQ(got[i].value, std::to_string(start + static_cast<int64_t>(i)));
    }
  }

  // From the end: nothing yet, then exactly what is appended afterwards.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Subscription> tail,
                       this->log_->Subscribe({{std::string(kTopic), partition, 50}}));
  ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> nothing, tail->Poll(10, milliseconds(20)));
  EXPECT_TRUE(nothing.empty());
  ASSERT_OK(this->log_->Append(kTopic, {MakeRecord("0657/one-case", "50")}));
  ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> fresh, PollUntil(*tail, 1));
  ASSERT_EQ(fresh.size(), 1u);
  EXPECT_EQ(fresh[0].position.offset, 50);
  EXPECT_EQ(fresh[0].value, "50");
}

TYPED_TEST(EventLogConformance, PollReturnsAtMostMaxRecordsAndResumesWhereItStopped) {
  std::vector<Record> records;
  for (int i = 0; i < 30; ++i) records.push_back(MakeRecord("0657/one-case", std::to_string(i)));
  ASSERT_OK_AND_ASSIGN(std::vector<Position> positions,
                       this->log_->Append(kTopic, std::move(records)));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Subscription> sub,
                       this->log_->Subscribe({{std::string(kTopic), positions[0].partition, 0}}));
  int64_t next = 0;
  while (next < 30) {
    ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> got, sub->Poll(7, seconds(30)));
    ASSERT_FALSE(got.empty());
    ASSERT_LE(got.size(), 7u);
    for (const StoredRecord& r : got) EXPECT_EQ(r.position.offset, next++);
  }
  EXPECT_EQ(next, 30);
}

TYPED_TEST(EventLogConformance, SubscriberWaitingInPollIsWokenByAnAppend) {
  ASSERT_OK_AND_ASSIGN(std::vector<int64_t> ends, this->log_->EndOffsets(kTopic));
  std::vector<TopicPartitionOffset> from;
  for (int32_t p = 0; p < kPartitions; ++p) {
    from.push_back({std::string(kTopic), p, ends[static_cast<size_t>(p)]});
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Subscription> sub, this->log_->Subscribe(from));

  std::atomic<bool> polling{false};
  Result<std::vector<StoredRecord>> got = std::vector<StoredRecord>{};
  std::thread subscriber([&] {
    polling = true;
    // Long enough never to expire in a passing run; the append is what ends the wait.
    got = sub->Poll(100, seconds(60));
  });
  while (!polling) std::this_thread::yield();
  ASSERT_OK(this->log_->Append(kTopic, {MakeRecord("0657/case-woken", "hello")}));
  subscriber.join();
  ASSERT_OK(got);
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].value, "hello");
  EXPECT_EQ((*got)[0].key, "0657/case-woken");
}

TYPED_TEST(EventLogConformance, WakeEndsABlockedPollAndIsNeverLost) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Subscription> sub,
                       this->log_->Subscribe({{std::string(kTopic), 0, 0}}));
  std::atomic<bool> polling{false};
  Result<std::vector<StoredRecord>> got = Internal("not polled");
  std::thread subscriber([&] {
    polling = true;
    got = sub->Poll(100, seconds(60));
  });
  while (!polling) std::this_thread::yield();
  sub->Wake();
  subscriber.join();
  ASSERT_OK(got);
  EXPECT_TRUE(got->empty());

  // A Wake with no Poll running makes the next Poll return at once.
  sub->Wake();
  ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> after, sub->Poll(100, seconds(60)));
  EXPECT_TRUE(after.empty());
}

TYPED_TEST(EventLogConformance, PollWithNothingToReadTimesOutEmpty) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Subscription> sub,
                       this->log_->Subscribe({{std::string(kTopic), 0, 0}}));
  ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> got, sub->Poll(10, milliseconds(30)));
  EXPECT_TRUE(got.empty());
}

TYPED_TEST(EventLogConformance, ConcurrentAppendersNeitherLoseNorDoubleNorReorder) {
  constexpr int kThreads = 8;
  constexpr int kAppendsPerThread = 60;
  std::vector<std::vector<Position>> returned(kThreads);
  std::vector<Status> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      int seq = 0;
      for (int a = 0; a < kAppendsPerThread; ++a) {
        std::vector<Record> batch;
        for (int k = 0; k < 1 + a % 3; ++k) {
          // Value "<thread>:<seq>"; each thread's keys are its own, 3 of them.
          batch.push_back(MakeRecord("t" + std::to_string(t) + "/k" + std::to_string(seq % 3),
                                     std::to_string(t) + ":" + std::to_string(seq)));
          ++seq;
        }
        auto positions = this->log_->Append(kTopic, std::move(batch));
        if (!positions.ok()) {
          failures[static_cast<size_t>(t)] = positions.status();
          return;
        }
        for (Position& p : *positions) returned[static_cast<size_t>(t)].push_back(std::move(p));
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (const Status& s : failures) ASSERT_OK(s);

  size_t total = 0;
  std::set<std::pair<int32_t, int64_t>> positions;
  for (const auto& list : returned) {
    total += list.size();
    for (const Position& p : list) positions.emplace(p.partition, p.offset);
  }
  EXPECT_EQ(positions.size(), total) << "two records were given the same position";

  ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> read, ReadAll(*this->log_, kTopic));
  ASSERT_EQ(read.size(), total);
  std::map<int32_t, int64_t> next_offset;
  std::map<std::string, int> last_seq_of_key;
  std::set<std::string> values;
  for (const StoredRecord& r : read) {
    EXPECT_EQ(r.position.offset, next_offset[r.position.partition]++);
    EXPECT_TRUE(positions.count({r.position.partition, r.position.offset}));
    EXPECT_TRUE(values.insert(r.value).second) << "doubled: " << r.value;
    const int seq = std::stoi(r.value.substr(r.value.find(':') + 1));
    auto [it, first] = last_seq_of_key.try_emplace(r.key, seq);
    if (!first) {
      EXPECT_GT(seq, it->second) << "reordered within key " << r.key;
      it->second = seq;
    }
  }
}

TYPED_TEST(EventLogConformance, LargeBatchIsAppendedAndReadBackWhole) {
  constexpr int kRecords = 20000;
  std::vector<Record> records;
  records.reserve(kRecords);
  for (int i = 0; i < kRecords; ++i) {
    std::string value(160, 'a' + static_cast<char>(i % 26));
    value += std::to_string(i);
    records.push_back(MakeRecord("0657/case-" + std::to_string(i % 101), std::move(value)));
  }
  ASSERT_OK_AND_ASSIGN(std::vector<Position> positions,
                       this->log_->Append(kTopic, std::move(records)));
  ASSERT_EQ(positions.size(), static_cast<size_t>(kRecords));
  ASSERT_OK_AND_ASSIGN(std::vector<int64_t> ends, this->log_->EndOffsets(kTopic));
  int64_t sum = 0;
  for (int64_t e : ends) sum += e;
  EXPECT_EQ(sum, kRecords);

  ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> read, ReadAll(*this->log_, kTopic));
  ASSERT_EQ(read.size(), static_cast<size_t>(kRecords));
  std::set<int> seen;
  for (const StoredRecord& r : read) {
    const int i = std::stoi(r.value.substr(160));
    EXPECT_EQ(r.key, "0657/case-" + std::to_string(i % 101));
    seen.insert(i);
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kRecords));
}

TYPED_TEST(EventLogConformance, HeadersKeysAndValuesRoundTripByteForByte) {
  const std::string binary("\0\x01\xff\x7f tail", 8);
  std::vector<Record> records = {
      MakeRecord("0657/case-h", "with headers",
                 {{"event_type", "trappe.cases.v1.CaseOpened"},
                  {"tenant", "0657"},
                  {"schema_version", "1"},
                  {"empty", ""},
                  {"binary", binary},
                  {"tenant", "repeated keys keep their order"}}),
      MakeRecord("0657/case-h", "no headers"),
      MakeRecord(binary, binary),
      MakeRecord("0657/case-h", ""),
  };
  const std::vector<Record> sent = records;
  ASSERT_OK_AND_ASSIGN(std::vector<Position> positions,
                       this->log_->Append(kTopic, std::move(records)));
  ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> read, ReadAll(*this->log_, kTopic));
  ASSERT_EQ(read.size(), sent.size());
  for (size_t i = 0; i < sent.size(); ++i) {
    const StoredRecord* found = nullptr;
    for (const StoredRecord& r : read) {
      if (r.position == positions[i]) found = &r;
    }
    ASSERT_NE(found, nullptr) << "record " << i;
    EXPECT_EQ(found->key, sent[i].key) << "record " << i;
    EXPECT_EQ(found->value, sent[i].value) << "record " << i;
    EXPECT_EQ(found->headers, sent[i].headers) << "record " << i;
    EXPECT_GT(found->append_time_ms, 0) << "record " << i;
  }
}

TYPED_TEST(EventLogConformance, TopicsAreSeparate) {
  ASSERT_OK(this->log_->Append(kOtherTopic, {MakeRecord("0657/team-1", "org")}));
  ASSERT_OK_AND_ASSIGN(std::vector<int64_t> ends, this->log_->EndOffsets(kTopic));
  EXPECT_EQ(ends, std::vector<int64_t>(kPartitions, 0));
  ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> org, ReadAll(*this->log_, kOtherTopic));
  ASSERT_EQ(org.size(), 1u);
  EXPECT_EQ(org[0].position.topic, kOtherTopic);
  EXPECT_EQ(org[0].value, "org");
}

TYPED_TEST(EventLogConformance, EmptyAppendWritesNothing) {
  ASSERT_OK_AND_ASSIGN(std::vector<Position> positions, this->log_->Append(kTopic, {}));
  EXPECT_TRUE(positions.empty());
  ASSERT_OK_AND_ASSIGN(std::vector<int64_t> ends, this->log_->EndOffsets(kTopic));
  EXPECT_EQ(ends, std::vector<int64_t>(kPartitions, 0));
}

TYPED_TEST(EventLogConformance, BadArgumentsAreRejectedNamingTheProblem) {
  EventLog& log = *this->log_;
  EXPECT_STATUS(log.Append("", {MakeRecord("k", "v")}), StatusCode::kInvalidArgument, "topic");
  EXPECT_STATUS(log.Append("no such topic!", {MakeRecord("k", "v")}),
                StatusCode::kInvalidArgument, "no such topic!");
  EXPECT_STATUS(log.Append("trappe.no-such-topic.v1", {MakeRecord("k", "v")}),
                StatusCode::kNotFound, "trappe.no-such-topic.v1");
  EXPECT_STATUS(log.PartitionCount("trappe.no-such-topic.v1"), StatusCode::kNotFound,
                "trappe.no-such-topic.v1");
  EXPECT_STATUS(log.EndOffsets("trappe.no-such-topic.v1"), StatusCode::kNotFound,
                "trappe.no-such-topic.v1");
  EXPECT_STATUS(log.Subscribe({{"trappe.no-such-topic.v1", 0, 0}}), StatusCode::kNotFound,
                "trappe.no-such-topic.v1");
  EXPECT_STATUS(log.Subscribe({}), StatusCode::kInvalidArgument, "from");
  EXPECT_STATUS(log.Subscribe({{std::string(kTopic), kPartitions, 0}}),
                StatusCode::kInvalidArgument, "partition");
  EXPECT_STATUS(log.Subscribe({{std::string(kTopic), -1, 0}}), StatusCode::kInvalidArgument,
                "partition");
  EXPECT_STATUS(log.Subscribe({{std::string(kTopic), 0, 1}}), StatusCode::kInvalidArgument,
                "offset");
  EXPECT_STATUS(log.Subscribe({{std::string(kTopic), 0, -1}}), StatusCode::kInvalidArgument,
                "offset");
  EXPECT_STATUS(log.Subscribe({{std::string(kTopic), 1, 0}, {std::string(kTopic), 1, 0}}),
                StatusCode::kInvalidArgument, "more than once");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Subscription> sub,
                       log.Subscribe({{std::string(kTopic), 0, 0}}));
  EXPECT_STATUS(sub->Poll(0, milliseconds(1)), StatusCode::kInvalidArgument, "max_records");
}

TYPED_TEST(EventLogConformance, CallsAfterCloseAreUnavailable) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Subscription> sub,
                       this->log_->Subscribe({{std::string(kTopic), 0, 0}}));
  this->log_->Close();
  this->log_->Close();  // idempotent
  EXPECT_STATUS(this->log_->Append(kTopic, {MakeRecord("k", "v")}), StatusCode::kUnavailable,
                "closed");
  EXPECT_STATUS(this->log_->EndOffsets(kTopic), StatusCode::kUnavailable, "closed");
  EXPECT_STATUS(this->log_->PartitionCount(kTopic), StatusCode::kUnavailable, "closed");
  EXPECT_STATUS(this->log_->Subscribe({{std::string(kTopic), 0, 0}}), StatusCode::kUnavailable,
                "closed");
  EXPECT_STATUS(sub->Poll(10, seconds(60)), StatusCode::kUnavailable, "closed");
}

TYPED_TEST(EventLogConformance, ReopenAfterCloseKeepsEverything) {
  std::vector<Record> records;
  for (int i = 0; i < 100; ++i) {
    records.push_back(MakeRecord("0657/case-" + std::to_string(i % 7), std::to_string(i),
                                 {{"n", std::to_string(i)}}));
  }
  ASSERT_OK(this->log_->Append(kTopic, std::move(records)));
  ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> before, ReadAll(*this->log_, kTopic));
  ASSERT_OK_AND_ASSIGN(std::vector<int64_t> ends_before, this->log_->EndOffsets(kTopic));
  this->log_->Close();
  this->log_.reset();

  ASSERT_OK_AND_ASSIGN(this->log_, this->backend_.Open());
  ASSERT_OK_AND_ASSIGN(int32_t count, this->log_->PartitionCount(kTopic));
  EXPECT_EQ(count, kPartitions);
  ASSERT_OK_AND_ASSIGN(std::vector<int64_t> ends_after, this->log_->EndOffsets(kTopic));
  EXPECT_EQ(ends_after, ends_before);
  ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> after, ReadAll(*this->log_, kTopic));
  ASSERT_EQ(after.size(), before.size());
  SortByPosition(&before);
  SortByPosition(&after);
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(after[i].position, before[i].position);
    EXPECT_EQ(after[i].key, before[i].key);
    EXPECT_EQ(after[i].value, before[i].value);
    EXPECT_EQ(after[i].headers, before[i].headers);
    EXPECT_EQ(after[i].append_time_ms, before[i].append_time_ms);
  }

  // Appends continue after the last offset.
  ASSERT_OK_AND_ASSIGN(std::vector<Position> next,
                       this->log_->Append(kTopic, {MakeRecord("0657/case-0", "after reopen")}));
  EXPECT_EQ(next[0].offset, ends_before[static_cast<size_t>(next[0].partition)]);
}

}  // namespace
}  // namespace trappe::eventlog::testing
