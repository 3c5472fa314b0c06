// Behaviour of the embedded backend beyond the conformance suite: the directory lock,
// partition counts kept across reopen, the injected clock, recovery without Close.
#include "trappe/eventlog/embedded_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "conformance_util.h"
#include "subprocess.h"
#include "trappe/common/clock.h"
#include "trappe/testing/status_matchers.h"
#include "trappe/testing/temp_dir.h"

namespace trappe::eventlog::testing {
namespace {

EmbeddedLogOptions OptionsFor(const std::string& dir, int32_t partitions) {
  EmbeddedLogOptions options;
  options.directory = dir;
  options.topics = DefaultTopics(partitions);
  return options;
}

TEST(EmbeddedLogTest, DefaultTopicsAreCreated) {
  trappe::testing::TempDir dir;
  EmbeddedLogOptions options;
  options.directory = dir.Sub("log");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> log, OpenEmbeddedLog(options));
  ASSERT_OK_AND_ASSIGN(int32_t cases, log->PartitionCount(kCaseEventsTopic));
  ASSERT_OK_AND_ASSIGN(int32_t org, log->PartitionCount(kOrgEventsTopic));
  EXPECT_EQ(cases, kDefaultPartitionCount);
  EXPECT_EQ(org, kDefaultPartitionCount);
}

TEST(EmbeddedLogTest, SecondOpenOfTheSameDirectoryIsRefused) {
  trappe::testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> first,
                       OpenEmbeddedLog(OptionsFor(dir.Sub("log"), 4)));
  EXPECT_STATUS(OpenEmbeddedLog(OptionsFor(dir.Sub("log"), 4)), StatusCode::kFailedPrecondition,
                "in use");
  first->Close();
  // Once closed, the directory can be opened again.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> second,
                       OpenEmbeddedLog(OptionsFor(dir.Sub("log"), 4)));
}

TEST(EmbeddedLogTest, ReopenKeepsThePartitionCountTheTopicWasCreatedWith) {
  trappe::testing::TempDir dir;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> log,
                         OpenEmbeddedLog(OptionsFor(dir.Sub("log"), 3)));
    ASSERT_OK(log->Append(kCaseEventsTopic, {MakeRecord("0657/case-1", "v")}));
  }
  EmbeddedLogOptions options = OptionsFor(dir.Sub("log"), 12);
  options.topics.push_back({"trappe.added-later.v1", 5});
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> log, OpenEmbeddedLog(options));
  ASSERT_OK_AND_ASSIGN(int32_t count, log->PartitionCount(kCaseEventsTopic));
  EXPECT_EQ(count, 3);
  ASSERT_OK_AND_ASSIGN(int32_t added, log->PartitionCount("trappe.added-later.v1"));
  EXPECT_EQ(added, 5);
  ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> read, ReadAll(*log, kCaseEventsTopic));
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].position.partition, PartitionForKey("0657/case-1", 3));
}

TEST(EmbeddedLogTest, AppendTimeComesFromTheInjectedClock) {
  trappe::testing::TempDir dir;
  const FixedClock clock(TimestampFromUnixMicros(int64_t{1750000000123} * 1000));
  EmbeddedLogOptions options = OptionsFor(dir.Sub("log"), 2);
  options.clock = &clock;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> log, OpenEmbeddedLog(options));
  ASSERT_OK(log->Append(kCaseEventsTopic, {MakeRecord("k", "v")}));
  ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> read, ReadAll(*log, kCaseEventsTopic));
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].append_time_ms, 1750000000123);
}

TEST(EmbeddedLogTest, BadOptionsAreRejected) {
  trappe::testing::TempDir dir;
  EXPECT_STATUS(OpenEmbeddedLog(OptionsFor("", 2)), StatusCode::kInvalidArgument, "directory");
  EXPECT_STATUS(OpenEmbeddedLog(OptionsFor(dir.Sub("log"), 0)), StatusCode::kInvalidArgument,
                "partitions");
  EmbeddedLogOptions bad_topic = OptionsFor(dir.Sub("log"), 2);
  bad_topic.topics.push_back({"bad topic", 1});
  EXPECT_STATUS(OpenEmbeddedLog(bad_topic), StatusCode::kInvalidArgument, "bad topic");
  EmbeddedLogOptions tiny_zero_ahead = OptionsFor(dir.Sub("log"), 2);
  tiny_zero_ahead.wal_zero_ahead_bytes = 1000;
  EXPECT_STATUS(OpenEmbeddedLog(tiny_zero_ahead), StatusCode::kInvalidArgument,
                "wal_zero_ahead_bytes");
}

// With sync (the default) the log's WAL gets written zeros ahead of its end from a
// background thread: the WAL file on disk grows past what was appended. Waits for it
// with a deadline.
TEST(EmbeddedLogTest, TheWalFileHasZerosAheadOfItsEndWhileTheLogIsOpen) {
  trappe::testing::TempDir dir;
  EmbeddedLogOptions options = OptionsFor(dir.Sub("log"), 4);
  options.wal_zero_ahead_bytes = 64 << 10;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> log, OpenEmbeddedLog(options));
  ASSERT_OK(log->Append(kCaseEventsTopic, {MakeRecord("0657/case-1", "v")}));
  const auto largest_wal = [&] {
    uintmax_t largest = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir.Sub("log"))) {
      if (entry.path().extension() == ".log") largest = std::max(largest, entry.file_size());
    }
    return largest;
  };
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (largest_wal() < (64u << 10) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_GE(largest_wal(), 64u << 10) << "a few hundred bytes were appended";
  log->Close();
  EXPECT_LT(largest_wal(), 64u << 10) << "closing cuts the zeros off";
}

// The WAL's zeros ahead (on by default with sync) change where bytes go, not what is kept:
// concurrent appenders, then a reopen, read back every record, with the smallest setting
// (64 KiB: the zeroing thread works all the time) and with it off.
TEST(EmbeddedLogTest, EveryAppendSurvivesReopenWithAndWithoutZerosAhead) {
  for (uint64_t zero_ahead : {uint64_t{0}, uint64_t{64} << 10}) {
    SCOPED_TRACE("wal_zero_ahead_bytes=" + std::to_string(zero_ahead));
    trappe::testing::TempDir dir;
    EmbeddedLogOptions options = OptionsFor(dir.Sub("log"), 4);
    options.wal_zero_ahead_bytes = zero_ahead;
    constexpr int kThreads = 4;
    constexpr int kAppends = 200;
    {
      ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> log, OpenEmbeddedLog(options));
      std::vector<std::thread> threads;
      std::atomic<int> failures{0};
      for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
          for (int i = 0; i < kAppends; ++i) {
            const std::string key = "0657/case-" + std::to_string(t);
            if (!log->Append(kCaseEventsTopic, {MakeRecord(key, std::string(700, 'a' + t))}).ok()) {
              ++failures;
            }
          }
        });
      }
      for (std::thread& t : threads) t.join();
      EXPECT_EQ(failures.load(), 0);
    }
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> log, OpenEmbeddedLog(options));
    ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> read, ReadAll(*log, kCaseEventsTopic));
    ASSERT_EQ(read.size(), size_t{kThreads * kAppends});
    for (const StoredRecord& r : read) {
      const char expected = static_cast<char>('a' + (r.key.back() - '0'));
      EXPECT_EQ(r.value, std::string(700, expected));
    }
  }
}

TEST(EmbeddedLogTest, AnotherPartitionCountForAnUnlistedTopicIsStillReadable) {
  trappe::testing::TempDir dir;
  EmbeddedLogOptions options = OptionsFor(dir.Sub("log"), 2);
  options.topics.push_back({"trappe.extra.v1", 3});
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> log, OpenEmbeddedLog(options));
    ASSERT_OK(log->Append("trappe.extra.v1", {MakeRecord("k", "v")}));
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> log,
                       OpenEmbeddedLog(OptionsFor(dir.Sub("log"), 2)));
  ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> read, ReadAll(*log, "trappe.extra.v1"));
  EXPECT_EQ(read.size(), 1u);
}

// With groups capped at one append each, a leader's group can end before its own append:
// it commits the queue's oldest, hands the lead on and keeps waiting. Every append must
// still be committed exactly once, at dense offsets, and answered with its own positions.
TEST(EmbeddedLogTest, GroupsCutShortByTheByteCapStillCommitEveryAppendOnce) {
  trappe::testing::TempDir dir;
  EmbeddedLogOptions options = OptionsFor(dir.Sub("log"), 1);
  options.max_group_bytes = 1;  // smaller than any append: one append per group
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> log, OpenEmbeddedLog(options));
  constexpr int kThreads = 8;
  constexpr int kAppendsPerThread = 25;
  std::vector<std::map<int64_t, std::string>> returned(kThreads);  // offset -> value
  std::vector<Status> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int a = 0; a < kAppendsPerThread; ++a) {
        const std::string value = std::to_string(t) + ":" + std::to_string(a);
        auto positions = log->Append(kCaseEventsTopic, {MakeRecord("k" + value, value)});
        if (!positions.ok() || positions->size() != 1) {
          failures[static_cast<size_t>(t)] =
              positions.ok() ? Internal("expected one position") : positions.status();
          return;
        }
        returned[static_cast<size_t>(t)][positions->front().offset] = value;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (const Status& s : failures) ASSERT_OK(s);

  ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> read, ReadAll(*log, kCaseEventsTopic));
  ASSERT_EQ(read.size(), static_cast<size_t>(kThreads * kAppendsPerThread));
  std::map<int64_t, std::string> stored;
  for (const StoredRecord& r : read) stored[r.position.offset] = r.value;
  ASSERT_EQ(stored.size(), read.size()) << "two records share an offset";
  EXPECT_EQ(stored.begin()->first, 0);
  EXPECT_EQ(stored.rbegin()->first, static_cast<int64_t>(read.size()) - 1);
  for (const auto& mine : returned) {
    for (const auto& [offset, value] : mine) {
      EXPECT_EQ(stored[offset], value) << "an append was answered with another's offset";
    }
  }
}

// Records as compared between a log and its backup: position, key, value, headers.
std::vector<std::string> Describe(const std::vector<StoredRecord>& records) {
  std::vector<std::string> out;
  for (const StoredRecord& r : records) {
    std::string line = std::to_string(r.position.partition) + "@" +
                       std::to_string(r.position.offset) + " " + r.key + "=" + r.value;
    for (const Header& h : r.headers) line += " " + h.key + ":" + h.value;
    out.push_back(std::move(line));
  }
  return out;
}

// A backup taken while appends go on opens as a log of its own: every record appended
// before the call is in it, and each partition is a prefix of the original's, record for
// record, without gaps (a group commit is copied whole or not at all).
TEST(EmbeddedLogTest, ABackupTakenWhileAppendingOpensAsAPrefixOfTheLog) {
  trappe::testing::TempDir dir;
  constexpr int32_t kPartitions = 4;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> log,
                       OpenEmbeddedLog(OptionsFor(dir.Sub("log"), kPartitions)));
  for (int i = 0; i < 200; ++i) {
    ASSERT_OK(log->Append(kCaseEventsTopic,
                          {MakeRecord("0657/case-" + std::to_string(i % 37),
                                      "before-" + std::to_string(i), {{"type", "CaseOpened"}})}));
  }
  ASSERT_OK_AND_ASSIGN(const std::vector<int64_t> before, log->EndOffsets(kCaseEventsTopic));

  std::atomic<bool> stop{false};
  std::vector<Status> failures(2);
  std::vector<std::thread> appenders;
  for (int t = 0; t < 2; ++t) {
    appenders.emplace_back([&, t] {
      for (int i = 0; !stop.load(); ++i) {
        std::vector<Record> batch;
        for (int k = 0; k < 5; ++k) {
          batch.push_back(MakeRecord("0657/case-" + std::to_string((i + k) % 37),
                                     "during-" + std::to_string(t) + "-" + std::to_string(i)));
        }
        if (Status s = log->Append(kCaseEventsTopic, std::move(batch)).status(); !s.ok()) {
          failures[static_cast<size_t>(t)] = s;
          return;
        }
      }
    });
  }
  const Status backed_up = log->Backup(dir.Sub("backup"));
  stop = true;
  for (std::thread& t : appenders) t.join();
  ASSERT_OK(backed_up);
  for (const Status& s : failures) ASSERT_OK(s);

  // The same directory again is refused, and the first copy is left as it was.
  EXPECT_STATUS(log->Backup(dir.Sub("backup")), StatusCode::kAlreadyExists, "backup");

  ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> original, ReadAll(*log, kCaseEventsTopic));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> copy,
                       OpenEmbeddedLog(OptionsFor(dir.Sub("backup"), kPartitions)));
  ASSERT_OK_AND_ASSIGN(const std::vector<int64_t> copied, copy->EndOffsets(kCaseEventsTopic));
  ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> restored, ReadAll(*copy, kCaseEventsTopic));
  SortByPosition(&original);
  SortByPosition(&restored);
  ASSERT_EQ(copied.size(), before.size());
  std::vector<StoredRecord> expected;
  for (const StoredRecord& r : original) {
    if (r.position.offset < copied[static_cast<size_t>(r.position.partition)])
      expected.push_back(r);
  }
  for (size_t p = 0; p < before.size(); ++p) EXPECT_GE(copied[p], before[p]) << "partition " << p;
  EXPECT_EQ(Describe(restored), Describe(expected));

  // The copy is a log like any other: it takes appends after what it holds.
  ASSERT_OK_AND_ASSIGN(std::vector<Position> next,
                       copy->Append(kCaseEventsTopic, {MakeRecord("0657/case-0", "after")}));
  EXPECT_EQ(next[0].offset, copied[static_cast<size_t>(next[0].partition)]);
}

TEST(EmbeddedLogTest, BackupOfAClosedLogIsUnavailableAndWritesNothing) {
  trappe::testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> log,
                       OpenEmbeddedLog(OptionsFor(dir.Sub("log"), 2)));
  log->Close();
  EXPECT_STATUS(log->Backup(dir.Sub("backup")), StatusCode::kUnavailable, "closed");
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("backup")));
  EXPECT_STATUS(OpenEmbeddedLog(OptionsFor(dir.Sub("log"), 2)).value()->Backup(""),
                StatusCode::kInvalidArgument, "directory");
}

// The child half of the next test: appends, prints the acknowledged count and exits at
// once, without Close or destructors. Runs only when the parent test starts it.
constexpr char kChildDirVariable[] = "TRAPPE_EVENTLOG_TEST_CHILD_DIR";

TEST(EmbeddedLogChildProcess, AppendsAndExitsWithoutClosing) {
  const char* dir = std::getenv(kChildDirVariable);
  if (dir == nullptr) GTEST_SKIP() << "runs only as the child of AcknowledgedRecordsSurvive...";
  auto log = OpenEmbeddedLog(OptionsFor(dir, 4));
  if (!log.ok()) std::_Exit(2);
  int64_t acknowledged = 0;
  for (int i = 0; i < 50; ++i) {
    std::vector<Record> batch;
    for (int k = 0; k < 10; ++k)
      batch.push_back(MakeRecord("0657/case-" + std::to_string(k), std::to_string(i)));
    if (!(*log)->Append(kCaseEventsTopic, std::move(batch)).ok()) std::_Exit(3);
    acknowledged += 10;
  }
  std::ofstream(std::string(dir) + "/acknowledged") << acknowledged << std::flush;
  std::_Exit(0);
}

TEST(EmbeddedLogTest, AcknowledgedRecordsSurviveAProcessThatExitsWithoutClosing) {
  trappe::testing::TempDir dir;
  const std::string log_dir = dir.Sub("log");
  ASSERT_OK_AND_ASSIGN(const ChildRun child,
                       RunChildTests("EmbeddedLogChildProcess.AppendsAndExitsWithoutClosing",
                                     kChildDirVariable, log_dir, kPatience));
  ASSERT_EQ(child.exit_code, 0) << child.output;

  int64_t acknowledged = 0;
  std::ifstream(log_dir + "/acknowledged") >> acknowledged;
  ASSERT_EQ(acknowledged, 500);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> log, OpenEmbeddedLog(OptionsFor(log_dir, 4)));
  ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> read, ReadAll(*log, kCaseEventsTopic));
  EXPECT_EQ(static_cast<int64_t>(read.size()), acknowledged);
}

}  // namespace
}  // namespace trappe::eventlog::testing
