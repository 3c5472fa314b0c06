// The embedded backend's storage of records in runs (record_codec.h): reads that start
// inside a run or cross the cut between two, logs written in the first format (one record
// per value), and stored values that are missing or broken.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <memory>
#include <string>
#include <vector>

#include "conformance_util.h"
#include "record_codec.h"
#include "trappe/eventlog/embedded_log.h"
#include "trappe/testing/status_matchers.h"
#include "trappe/testing/temp_dir.h"

namespace trappe::eventlog::testing {
namespace {

using internal::AppendRunEntryLength;
using internal::AppendRunHeader;
using internal::EncodeRecordValue;
using internal::RecordKey;
using internal::StoredRecords;
using internal::TopicKeyPrefix;

constexpr char kFormat1[] = "trappe-eventlog/1";
constexpr char kFormat2[] = "trappe-eventlog/2";

EmbeddedLogOptions OneTopicOnePartition(const std::string& dir) {
  EmbeddedLogOptions options;
  options.directory = dir;
  options.topics = {{std::string(kCaseEventsTopic), 1}};
  return options;
}

// The log's RocksDB database opened directly, as the log lays it out: the meta family
// (default) and the records.
class RawStore {
 public:
  static std::unique_ptr<RawStore> Open(const std::string& dir) {
    rocksdb::DBOptions options;
    options.create_if_missing = true;
    options.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> families = {
        {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
        {"records", rocksdb::ColumnFamilyOptions()}};
    auto store = std::unique_ptr<RawStore>(new RawStore());
    rocksdb::DB* db = nullptr;
    const rocksdb::Status s = rocksdb::DB::Open(options, dir, families, &store->handles_, &db);
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (!s.ok()) return nullptr;
    store->db_.reset(db);
    return store;
  }
  ~RawStore() {
    for (rocksdb::ColumnFamilyHandle* h : handles_) db_->DestroyColumnFamilyHandle(h);
  }

  void PutMeta(const std::string& key, const std::string& value) {
    ASSERT_TRUE(db_->Put(rocksdb::WriteOptions(), handles_[0], key, value).ok());
  }
  std::string GetMeta(const std::string& key) {
    std::string value;
    EXPECT_TRUE(db_->Get(rocksdb::ReadOptions(), handles_[0], key, &value).ok());
    return value;
  }
  void PutRecord(int64_t offset, const std::string& value) {
    ASSERT_TRUE(db_->Put(rocksdb::WriteOptions(), handles_[1], Key(offset), value).ok());
  }
  void DeleteRecord(int64_t offset) {
    ASSERT_TRUE(db_->Delete(rocksdb::WriteOptions(), handles_[1], Key(offset)).ok());
  }
  // Every stored value, in key order: its key's offset and its record count (the tests'
  // logs have one topic of one partition).
  std::vector<std::pair<int64_t, uint64_t>> Values() {
    std::vector<std::pair<int64_t, uint64_t>> out;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handles_[1]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      Result<StoredRecords> records = StoredRecords::Open(it->value().ToStringView());
      EXPECT_TRUE(records.ok()) << records.status().ToString();
      out.emplace_back(internal::OffsetOfRecordKey(it->key().ToStringView()),
                       records.ok() ? records->count() : 0);
    }
    return out;
  }

 private:
  RawStore() = default;
  static std::string Key(int64_t offset) {
    return RecordKey(TopicKeyPrefix(kCaseEventsTopic), 0, offset);
  }

  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<rocksdb::DB> db_;
};

Record Numbered(int i, size_t bytes = 8) {
  std::string value = std::to_string(i);
  value.resize(std::max(bytes, value.size()), '.');
  return MakeRecord("0657/one-case", value, {{"n", std::to_string(i)}});
}

// Every record from `start` to the end, read `per_poll` at a time.
Result<std::vector<StoredRecord>> ReadFrom(EventLog& log, int64_t start, size_t per_poll) {
  TRAPPE_ASSIGN_OR_RETURN(std::vector<int64_t> ends, log.EndOffsets(kCaseEventsTopic));
  TRAPPE_ASSIGN_OR_RETURN(std::unique_ptr<Subscription> sub,
                          log.Subscribe({{std::string(kCaseEventsTopic), 0, start}}));
  std::vector<StoredRecord> out;
  while (static_cast<int64_t>(out.size()) < ends[0] - start) {
    TRAPPE_ASSIGN_OR_RETURN(std::vector<StoredRecord> got,
                            sub->Poll(per_poll, std::chrono::seconds(1)));
    if (got.empty()) return DeadlineExceeded("no records");
    for (StoredRecord& r : got) out.push_back(std::move(r));
  }
  return out;
}

// Checks that `got` is records first..first+got.size()-1 of Numbered.
void ExpectNumbered(const std::vector<StoredRecord>& got, int64_t first) {
  for (size_t i = 0; i < got.size(); ++i) {
    const int64_t n = first + static_cast<int64_t>(i);
    ASSERT_EQ(got[i].position.offset, n);
    ASSERT_EQ(got[i].value.substr(0, std::to_string(n).size()), std::to_string(n));
    ASSERT_EQ(got[i].headers.size(), 1u);
    ASSERT_EQ(got[i].headers[0].value, std::to_string(n));
  }
}

TEST(StoredRecordsTest, OpensBothFormatsAndRefusesBrokenRuns) {
  std::string single;
  EncodeRecordValue(Numbered(7), 1000, &single);
  ASSERT_OK_AND_ASSIGN(StoredRecords one, StoredRecords::Open(single));
  EXPECT_EQ(one.count(), 1u);
  ASSERT_OK_AND_ASSIGN(std::string_view only, one.Next());
  EXPECT_EQ(only, single);
  EXPECT_TRUE(one.done());
  EXPECT_STATUS(one.Next(), StatusCode::kDataLoss, "past the end");

  std::vector<std::string> encoded(3);
  std::string run;
  AppendRunHeader(&run, encoded.size());
  for (int i = 0; i < 3; ++i) {
    EncodeRecordValue(Numbered(i), 1000, &encoded[static_cast<size_t>(i)]);
    AppendRunEntryLength(&run, encoded[static_cast<size_t>(i)].size());
    run += encoded[static_cast<size_t>(i)];
  }
  ASSERT_OK_AND_ASSIGN(StoredRecords three, StoredRecords::Open(run));
  EXPECT_EQ(three.count(), 3u);
  for (const std::string& e : encoded) {
    ASSERT_OK_AND_ASSIGN(std::string_view next, three.Next());
    StoredRecord decoded;
    ASSERT_OK(internal::DecodeRecordValue(next, &decoded));
    EXPECT_EQ(next, e);
  }
  EXPECT_TRUE(three.done());

  // StoredRecords reads the value in place: each value lives as long as its reader.
  const std::string cut = run.substr(0, run.size() - 1);
  ASSERT_OK_AND_ASSIGN(StoredRecords truncated, StoredRecords::Open(cut));
  ASSERT_OK(truncated.Next());
  ASSERT_OK(truncated.Next());
  EXPECT_STATUS(truncated.Next(), StatusCode::kDataLoss, "truncated");

  const std::string longer = run + "x";
  ASSERT_OK_AND_ASSIGN(StoredRecords trailing, StoredRecords::Open(longer));
  ASSERT_OK(trailing.Next());
  ASSERT_OK(trailing.Next());
  EXPECT_STATUS(trailing.Next(), StatusCode::kDataLoss, "after the last record");

  std::string empty_run;
  AppendRunHeader(&empty_run, 0);
  EXPECT_STATUS(StoredRecords::Open(empty_run), StatusCode::kDataLoss, "run header");
  std::string too_many;
  AppendRunHeader(&too_many, 1000);
  EXPECT_STATUS(StoredRecords::Open(too_many + "ab"), StatusCode::kDataLoss, "run header");
  EXPECT_STATUS(StoredRecords::Open(""), StatusCode::kDataLoss, "empty");
  EXPECT_STATUS(StoredRecords::Open("\x09rest"), StatusCode::kDataLoss, "unknown record format 9");
}

// 120 records of 3 KiB in one append to one partition are stored as runs cut at
// kMaxRunBytes; with single appends after them, a read from any offset, any number of
// records at a time, returns exactly the records from there on, before and after a reopen.
TEST(RecordRunsTest, RunsAreReadFromEveryOffsetInsideThemAndAcrossTheirCuts) {
  trappe::testing::TempDir dir;
  constexpr int kBatch = 120;
  constexpr int kTotal = kBatch + 3;
  constexpr size_t kBytes = 3 << 10;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> log,
                         OpenEmbeddedLog(OneTopicOnePartition(dir.Sub("log"))));
    std::vector<Record> batch;
    for (int i = 0; i < kBatch; ++i) batch.push_back(Numbered(i, kBytes));
    ASSERT_OK_AND_ASSIGN(std::vector<Position> positions,
                         log->Append(kCaseEventsTopic, std::move(batch)));
    ASSERT_EQ(positions.size(), static_cast<size_t>(kBatch));
    EXPECT_EQ(positions.back().offset, kBatch - 1);
    for (int i = kBatch; i < kTotal; ++i) {
      ASSERT_OK_AND_ASSIGN(std::vector<Position> one,
                           log->Append(kCaseEventsTopic, {Numbered(i, kBytes)}));
      EXPECT_EQ(one[0].offset, i);
    }
    for (int64_t start = 0; start <= kTotal; ++start) {
      for (size_t per_poll : {size_t{1}, size_t{7}, size_t{1000}}) {
        ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> got, ReadFrom(*log, start, per_poll));
        ASSERT_EQ(got.size(), static_cast<size_t>(kTotal - start)) << "from " << start;
        ExpectNumbered(got, start);
      }
    }
  }
  {
    // The batch became runs of at most kMaxRunBytes of records (each record's encoding
    // is its value, key and header plus a few bytes), the single appends a run each.
    std::unique_ptr<RawStore> raw = RawStore::Open(dir.Sub("log"));
    ASSERT_NE(raw, nullptr);
    const auto values = raw->Values();
    const uint64_t per_run = internal::kMaxRunBytes / (kBytes + 40);
    ASSERT_GE(values.size(), 3u + (kBatch + per_run - 1) / per_run);
    EXPECT_GT(values.front().second, 1u) << "the batch's records are stored one per value";
    int64_t expected_offset = 0;
    for (const auto& [offset, count] : values) {
      EXPECT_EQ(offset, expected_offset);
      EXPECT_GE(count, 1u);
      EXPECT_LE(count, internal::kMaxRunBytes / kBytes);
      expected_offset += static_cast<int64_t>(count);
    }
    EXPECT_EQ(expected_offset, kTotal);
    EXPECT_EQ(raw->GetMeta("format"), kFormat2);
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> log,
                       OpenEmbeddedLog(OneTopicOnePartition(dir.Sub("log"))));
  ASSERT_OK_AND_ASSIGN(std::vector<int64_t> ends, log->EndOffsets(kCaseEventsTopic));
  EXPECT_EQ(ends[0], kTotal);
  for (int64_t start : {0, 1, 41, 42, 43, 84, 85, kBatch - 1, kBatch, kTotal - 1}) {
    ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> got, ReadFrom(*log, start, 5));
    ASSERT_EQ(got.size(), static_cast<size_t>(kTotal - start));
    ExpectNumbered(got, start);
  }
  ASSERT_OK_AND_ASSIGN(std::vector<Position> next, log->Append(kCaseEventsTopic, {Numbered(kTotal)}));
  EXPECT_EQ(next[0].offset, kTotal);
}

// A log of the first format (one record per value) opens with its end offsets, reads, takes
// new appends after its records, and is then marked as the second format so that an older
// version refuses it instead of misreading its runs. An unknown format is refused.
TEST(RecordRunsTest, ALogOfTheFirstFormatIsReadExtendedAndMarkedAsTheSecond) {
  trappe::testing::TempDir dir;
  {
    std::unique_ptr<RawStore> raw = RawStore::Open(dir.Sub("log"));
    ASSERT_NE(raw, nullptr);
    raw->PutMeta("format", kFormat1);
    raw->PutMeta("topic/" + std::string(kCaseEventsTopic), "1");
    for (int i = 0; i < 5; ++i) {
      std::string value;
      EncodeRecordValue(Numbered(i), 1000 + i, &value);
      raw->PutRecord(i, value);
    }
  }
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> log,
                         OpenEmbeddedLog(OneTopicOnePartition(dir.Sub("log"))));
    ASSERT_OK_AND_ASSIGN(std::vector<int64_t> ends, log->EndOffsets(kCaseEventsTopic));
    EXPECT_EQ(ends[0], 5);
    ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> old, ReadFrom(*log, 2, 10));
    ASSERT_EQ(old.size(), 3u);
    ExpectNumbered(old, 2);
    EXPECT_EQ(old[0].append_time_ms, 1002);
    ASSERT_OK_AND_ASSIGN(std::vector<Position> positions,
                         log->Append(kCaseEventsTopic, {Numbered(5), Numbered(6), Numbered(7)}));
    EXPECT_EQ(positions[0].offset, 5);
    EXPECT_EQ(positions[2].offset, 7);
    ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> all, ReadFrom(*log, 0, 3));
    ASSERT_EQ(all.size(), 8u);
    ExpectNumbered(all, 0);
  }
  {
    std::unique_ptr<RawStore> raw = RawStore::Open(dir.Sub("log"));
    ASSERT_NE(raw, nullptr);
    EXPECT_EQ(raw->GetMeta("format"), kFormat2);
    // Five values of one record, then the append's run of three.
    const std::vector<std::pair<int64_t, uint64_t>> expected = {{0, 1}, {1, 1}, {2, 1},
                                                                 {3, 1}, {4, 1}, {5, 3}};
    EXPECT_EQ(raw->Values(), expected);
    raw->PutMeta("format", "trappe-eventlog/9");
  }
  EXPECT_STATUS(OpenEmbeddedLog(OneTopicOnePartition(dir.Sub("log"))),
                StatusCode::kFailedPrecondition, "trappe-eventlog/9");
}

// A value missing below the end, or one that cannot be read, fails the read with
// DATA_LOSS naming the record, never skipping it; reads that do not touch it still work.
// A broken last value fails the open: the end offset cannot be known.
TEST(RecordRunsTest, AMissingOrUnreadableValueIsDataLossNeverASkip) {
  trappe::testing::TempDir dir;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> log,
                         OpenEmbeddedLog(OneTopicOnePartition(dir.Sub("log"))));
    for (int a = 0; a < 4; ++a) {  // runs at offsets 0, 5, 10 and 15
      std::vector<Record> batch;
      for (int i = 0; i < 5; ++i) batch.push_back(Numbered(a * 5 + i));
      ASSERT_OK(log->Append(kCaseEventsTopic, std::move(batch)));
    }
  }
  {
    std::unique_ptr<RawStore> raw = RawStore::Open(dir.Sub("log"));
    ASSERT_NE(raw, nullptr);
    raw->DeleteRecord(5);
    raw->PutRecord(10, "\x09garbage");
  }
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> log,
                         OpenEmbeddedLog(OneTopicOnePartition(dir.Sub("log"))));
    EXPECT_STATUS(ReadFrom(*log, 0, 100), StatusCode::kDataLoss,
                  "trappe.case-events.v1/0@5 is missing");
    EXPECT_STATUS(ReadFrom(*log, 7, 100), StatusCode::kDataLoss,
                  "trappe.case-events.v1/0@7 is missing");
    EXPECT_STATUS(ReadFrom(*log, 12, 100), StatusCode::kDataLoss,
                  "trappe.case-events.v1/0@10: unknown record format 9");
    ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> last, ReadFrom(*log, 15, 100));
    ASSERT_EQ(last.size(), 5u);
    ExpectNumbered(last, 15);
    // The cursor does not move past a failed read: the next Poll fails the same way.
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Subscription> sub,
                         log->Subscribe({{std::string(kCaseEventsTopic), 0, 0}}));
    ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> first, sub->Poll(5, std::chrono::seconds(1)));
    ASSERT_EQ(first.size(), 5u);
    ExpectNumbered(first, 0);
    EXPECT_STATUS(sub->Poll(5, std::chrono::seconds(1)), StatusCode::kDataLoss, "@5 is missing");
    EXPECT_STATUS(sub->Poll(5, std::chrono::seconds(1)), StatusCode::kDataLoss, "@5 is missing");
  }
  {
    std::unique_ptr<RawStore> raw = RawStore::Open(dir.Sub("log"));
    ASSERT_NE(raw, nullptr);
    raw->PutRecord(15, "\x02");
  }
  EXPECT_STATUS(OpenEmbeddedLog(OneTopicOnePartition(dir.Sub("log"))), StatusCode::kDataLoss,
                "trappe.case-events.v1/0@15: corrupt record run header");
}

}  // namespace
}  // namespace trappe::eventlog::testing
