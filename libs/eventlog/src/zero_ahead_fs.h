// The embedded log's write-ahead log with written, synced zeros kept ahead of its end.
//
// Each group commit appends to RocksDB's WAL and fdatasyncs it. When the append grows the
// file, that fdatasync must also allocate blocks and commit the file's new size (an inode
// write: on a filesystem without a journal, a second write per sync). Overwriting blocks
// the file already has costs only the data: bench/eventlog's BM_DiskFloor measures both
// (growing:1 against growing:0). This file system gives RocksDB WAL files whose next few
// MiB are already written and synced as zeros, by a background thread that stays ahead of
// the appends, so the commit path overwrites in place.
//
// Crash safety: RocksDB's WAL reader treats zero bytes as padding (record type 0 is
// reserved for preallocated files; a zero-length record of that type is skipped without
// reporting a corruption), so a WAL with a zero tail recovers every record it holds, in
// kPointInTimeRecovery as well. A closed WAL is truncated back to its appended length.
//
// Appends and zeroing never touch the same bytes: the zeroing thread writes only beyond
// the appended end, and an append that would reach a range being zeroed waits for that
// write. If zeroing fails (a full disk, say), it stops for that file and the WAL simply
// grows as it would without this file system; appends never fail because of it.
#pragma once

#include <rocksdb/file_system.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace trappe::eventlog::internal {

struct ZeroAheadOptions {
  // Zeros kept written and synced beyond a WAL's appended end.
  uint64_t ahead_bytes = uint64_t{4} << 20;
  // Written and synced per step; the thread wakes when less than half of `ahead_bytes`
  // is left.
  uint64_t chunk_bytes = uint64_t{1} << 20;
  // false: no thread; the owner calls Step() (tests).
  bool background = true;
};

struct ZeroAheadStats {
  uint64_t wal_files = 0;     // WAL files created through this file system
  uint64_t zeroed_bytes = 0;  // zeros written and synced ahead of appends
  uint64_t failures = 0;      // WAL files whose zeroing stopped on an error
};

class ZeroAheadFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  ZeroAheadFileSystem(std::shared_ptr<rocksdb::FileSystem> target, ZeroAheadOptions options);
  ~ZeroAheadFileSystem() override;
  ZeroAheadFileSystem(const ZeroAheadFileSystem&) = delete;
  ZeroAheadFileSystem& operator=(const ZeroAheadFileSystem&) = delete;

  static const char* kClassName() { return "TrappeZeroAheadFileSystem"; }
  const char* Name() const override { return kClassName(); }

  // WAL files ("<number>.log") get the zeros ahead; every other file is the target's.
  rocksdb::IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override;

  // Zeroes one chunk of the newest WAL if it is due. Returns false when nothing was due.
  // The background thread calls it; without the thread, the owner does.
  bool Step();

  ZeroAheadStats Stats() const;

  // A WAL file's append left less than half of the zeros ahead: wake the thread.
  void RequestStepForAppend();

  struct WalState;  // shared by a WAL file and this file system (zero_ahead_fs.cc)

 private:
  void Run();

  const ZeroAheadOptions options_;
  const std::vector<char> zeros_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<WalState> newest_;  // the WAL being appended to; older ones are closed
  bool step_requested_ = false;
  bool stopping_ = false;
  ZeroAheadStats stats_;
  std::atomic<bool> request_pending_{false};  // lets appends skip the lock when set
  std::thread thread_;
};

// True for the names RocksDB gives WAL files: digits, then ".log".
bool IsWalFileName(const std::string& fname);

}  // namespace trappe::eventlog::internal
