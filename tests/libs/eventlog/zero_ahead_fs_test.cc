// The embedded log's WAL file system (libs/eventlog/src/zero_ahead_fs.h): zeros written
// ahead of the appends, appends in place over them, the zeros cut off at close, a failure
// that stops zeroing without failing appends, and RocksDB recovering every synced write
// from a WAL with a zero tail left by a process that exited without closing.
#include "zero_ahead_fs.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "conformance_util.h"
#include "subprocess.h"
#include "trappe/testing/status_matchers.h"
#include "trappe/testing/temp_dir.h"

namespace trappe::eventlog::internal {
namespace {

using testing::ChildRun;
using testing::kPatience;
using testing::RunChildTests;

constexpr uint64_t kChunk = 64 << 10;
constexpr uint64_t kAhead = 256 << 10;

ZeroAheadOptions StepByHand() {
  return ZeroAheadOptions{.ahead_bytes = kAhead, .chunk_bytes = kChunk, .background = false};
}

uint64_t SizeOnDisk(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return static_cast<uint64_t>(st.st_size);
}

std::string Contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::unique_ptr<rocksdb::FSWritableFile> Create(ZeroAheadFileSystem& fs, const std::string& path) {
  std::unique_ptr<rocksdb::FSWritableFile> file;
  const rocksdb::IOStatus s = fs.NewWritableFile(path, rocksdb::FileOptions(), &file, nullptr);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return file;
}

rocksdb::IOStatus Append(rocksdb::FSWritableFile& file, const std::string& data) {
  return file.Append(data, rocksdb::IOOptions(), nullptr);
}

int StepsUntilIdle(ZeroAheadFileSystem& fs) {
  int steps = 0;
  while (fs.Step()) ++steps;
  return steps;
}

TEST(ZeroAheadFileSystemTest, KnowsWalFileNames) {
  EXPECT_TRUE(IsWalFileName("000012.log"));
  EXPECT_TRUE(IsWalFileName("/var/lib/trappe/log/000012.log"));
  for (const char* other : {"LOG", "LOG.old.1700000000", "MANIFEST-000005", "000012.sst", ".log",
                            "/dir/.log", "abc.log", "000012.log.tmp", "CURRENT"}) {
    EXPECT_FALSE(IsWalFileName(other)) << other;
  }
}

TEST(ZeroAheadFileSystemTest, ZerosAheadOfTheAppendsAndCutsThemOffAtClose) {
  trappe::testing::TempDir dir;
  ZeroAheadFileSystem fs(rocksdb::FileSystem::Default(), StepByHand());
  const std::string path = dir.Sub("000007.log");
  auto file = Create(fs, path);
  EXPECT_FALSE(fs.Step()) << "nothing is zeroed before the first append";

  ASSERT_TRUE(Append(*file, std::string(1000, 'a')).ok());
  // From 1,000 on in 64 KiB-aligned chunks while the zeroed end is short of 1,000 + 256 KiB:
  // [1000, 64K) [64K, 128K) [128K, 192K) [192K, 256K) [256K, 320K); 320 KiB >= 257,144.
  EXPECT_EQ(StepsUntilIdle(fs), 5);
  EXPECT_EQ(SizeOnDisk(path), 5 * kChunk);
  EXPECT_EQ(file->GetFileSize(rocksdb::IOOptions(), nullptr), 1000u);
  EXPECT_EQ(fs.Stats().zeroed_bytes, 5 * kChunk - 1000);

  // Appends overwrite the zeros in place: the file does not grow.
  ASSERT_TRUE(Append(*file, std::string(100 << 10, 'b')).ok());
  ASSERT_TRUE(file->Sync(rocksdb::IOOptions(), nullptr).ok());
  EXPECT_EQ(SizeOnDisk(path), 5 * kChunk);
  const std::string on_disk = Contents(path);
  EXPECT_EQ(on_disk.substr(0, 1000), std::string(1000, 'a'));
  EXPECT_EQ(on_disk.substr(1000, 100 << 10), std::string(100 << 10, 'b'));
  EXPECT_EQ(on_disk.substr(1000 + (100 << 10)), std::string(5 * kChunk - 1000 - (100 << 10), '\0'));

  // A step zeroes again until the zeros reach `ahead` past the end: from the zeroed end
  // (320 KiB) past 1000 + 100 KiB + 256 KiB = 365,544, one chunk, to 384 KiB.
  EXPECT_EQ(StepsUntilIdle(fs), 1);
  EXPECT_EQ(SizeOnDisk(path), 6 * kChunk);

  ASSERT_TRUE(file->Close(rocksdb::IOOptions(), nullptr).ok());
  EXPECT_EQ(Contents(path), std::string(1000, 'a') + std::string(100 << 10, 'b'));
  EXPECT_FALSE(fs.Step()) << "a closed WAL is not zeroed";
}

TEST(ZeroAheadFileSystemTest, AnAppendPastTheZerosGrowsTheFileAndZeroingResumesAfterIt) {
  trappe::testing::TempDir dir;
  ZeroAheadFileSystem fs(rocksdb::FileSystem::Default(), StepByHand());
  const std::string path = dir.Sub("000009.log");
  auto file = Create(fs, path);
  ASSERT_TRUE(Append(*file, "x").ok());
  ASSERT_TRUE(fs.Step());  // [1, 64K)
  const std::string big(200 << 10, 'y');
  ASSERT_TRUE(Append(*file, big).ok());  // to 204,801: past the zeros
  EXPECT_EQ(SizeOnDisk(path), 1 + big.size());
  ASSERT_TRUE(fs.Step());  // from the appended end to the next chunk boundary (256 KiB)
  EXPECT_EQ(SizeOnDisk(path), 4 * kChunk);
  ASSERT_TRUE(file->Close(rocksdb::IOOptions(), nullptr).ok());
  EXPECT_EQ(Contents(path), "x" + big);
}

TEST(ZeroAheadFileSystemTest, OtherFilesAreTheTargetFileSystems) {
  trappe::testing::TempDir dir;
  ZeroAheadFileSystem fs(rocksdb::FileSystem::Default(), StepByHand());
  const std::string path = dir.Sub("MANIFEST-000001");
  auto file = Create(fs, path);
  ASSERT_TRUE(Append(*file, "manifest").ok());
  EXPECT_FALSE(fs.Step());
  ASSERT_TRUE(file->Close(rocksdb::IOOptions(), nullptr).ok());
  EXPECT_EQ(Contents(path), "manifest");
  EXPECT_EQ(fs.Stats().wal_files, 0u);
}

// A file-size limit stands in for a full disk: the zero write fails, zeroing stops for
// that file, and appends (which stay under the limit) go on working.
TEST(ZeroAheadFileSystemTest, AFailedZeroWriteStopsZeroingButNotTheAppends) {
  trappe::testing::TempDir dir;
  ZeroAheadFileSystem fs(rocksdb::FileSystem::Default(), StepByHand());
  const std::string path = dir.Sub("000011.log");
  auto file = Create(fs, path);
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  struct sigaction ignore {
  }, previous{};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGXFSZ, &ignore, &previous), 0);
  rlimit limited = saved;
  limited.rlim_cur = 2 * kChunk;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);

  const bool first = Append(*file, std::string(10, 'a')).ok();
  const bool step1 = fs.Step();  // [10, 64K)
  const bool step2 = fs.Step();  // [64K, 128K): up to the limit
  const bool step3 = fs.Step();  // [128K, 192K): EFBIG
  const bool step4 = fs.Step();
  const bool after = Append(*file, std::string(10, 'b')).ok();
  const bool synced = file->Sync(rocksdb::IOOptions(), nullptr).ok();
  ::setrlimit(RLIMIT_FSIZE, &saved);
  ::sigaction(SIGXFSZ, &previous, nullptr);

  EXPECT_TRUE(first);
  EXPECT_TRUE(step1);
  EXPECT_TRUE(step2);
  EXPECT_FALSE(step3);
  EXPECT_FALSE(step4) << "zeroing stays off for this file";
  EXPECT_TRUE(after);
  EXPECT_TRUE(synced);
  EXPECT_EQ(fs.Stats().failures, 1u);
  EXPECT_EQ(fs.Stats().zeroed_bytes, 2 * kChunk - 10);
  ASSERT_TRUE(file->Close(rocksdb::IOOptions(), nullptr).ok());
  EXPECT_EQ(Contents(path), std::string(10, 'a') + std::string(10, 'b'));
}

// The child half of the next test: synced writes through the file system, a zero tail
// made sure of, more synced writes over the zeros, then exit without closing anything.
constexpr char kChildDirVariable[] = "TRAPPE_ZERO_AHEAD_TEST_CHILD_DIR";
constexpr int kWrites = 2000;

TEST(ZeroAheadChildProcess, WritesOverZerosAndExitsWithoutClosing) {
  const char* dir = std::getenv(kChildDirVariable);
  if (dir == nullptr) GTEST_SKIP() << "runs only as the child of RocksDbRecovers...";
  auto fs = std::make_shared<ZeroAheadFileSystem>(rocksdb::FileSystem::Default(), StepByHand());
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  rocksdb::Options options;
  options.create_if_missing = true;
  options.env = env.get();
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  options.paranoid_checks = true;
  rocksdb::DB* db = nullptr;
  if (!rocksdb::DB::Open(options, dir, &db).ok()) std::_Exit(2);
  rocksdb::WriteOptions sync;
  sync.sync = true;
  for (int i = 0; i < kWrites; ++i) {
    if (!db->Put(sync, "key-" + std::to_string(i), std::string(300, 'v')).ok()) std::_Exit(3);
    if (i == 0 && StepsUntilIdle(*fs) == 0) std::_Exit(4);  // zeros ahead from here on
    if (i % 500 == 0) StepsUntilIdle(*fs);
  }
  if (fs->Stats().zeroed_bytes == 0) std::_Exit(5);
  std::_Exit(0);
}

TEST(ZeroAheadFileSystemTest, RocksDbRecoversEverySyncedWriteFromAWalWithAZeroTail) {
  trappe::testing::TempDir dir;
  const std::string db_dir = dir.Sub("db");
  ASSERT_OK_AND_ASSIGN(const ChildRun child, RunChildTests("ZeroAheadChildProcess.*",
                                                           kChildDirVariable, db_dir, kPatience));
  ASSERT_EQ(child.exit_code, 0) << child.output;

  // The WAL the child left still ends in zeros.
  uint64_t wal_bytes = 0;
  std::string wal;
  for (const auto& entry : std::filesystem::directory_iterator(db_dir)) {
    if (IsWalFileName(entry.path().string())) {
      wal = entry.path().string();
      wal_bytes = entry.file_size();
    }
  }
  ASSERT_FALSE(wal.empty());
  const std::string contents = Contents(wal);
  ASSERT_EQ(contents.size(), wal_bytes);
  EXPECT_EQ(contents.back(), '\0');

  rocksdb::Options options;  // the default file system: recovery does not need this one
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  options.paranoid_checks = true;
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status opened = rocksdb::DB::Open(options, db_dir, &raw);
  ASSERT_TRUE(opened.ok()) << opened.ToString();
  std::unique_ptr<rocksdb::DB> db(raw);
  int found = 0;
  std::string value;
  for (int i = 0; i < kWrites; ++i) {
    if (db->Get(rocksdb::ReadOptions(), "key-" + std::to_string(i), &value).ok()) ++found;
  }
  EXPECT_EQ(found, kWrites);
  // And the reopened database takes new writes after the recovered ones.
  rocksdb::WriteOptions sync;
  sync.sync = true;
  ASSERT_TRUE(db->Put(sync, "after", "x").ok());
  ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), "after", &value).ok());
}

}  // namespace
}  // namespace trappe::eventlog::internal
