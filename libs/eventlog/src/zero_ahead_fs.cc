#include "zero_ahead_fs.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "trappe/common/log.h"

namespace trappe::eventlog::internal {

struct ZeroAheadFileSystem::WalState {
  WalState(int fd_in, std::string name_in) : fd(fd_in), name(std::move(name_in)) {}

  int fd;  // -1 once closed
  const std::string name;
  std::mutex mu;
  std::condition_variable cv;  // a zero write or a step finished
  uint64_t end = 0;            // bytes appended: the WAL's length
  uint64_t zeroed_end = 0;     // [end, zeroed_end): written, synced zeros
  // A zero write in progress covers [zeroing_begin, zeroing_end) (empty: none). An append
  // that would reach it waits.
  uint64_t zeroing_begin = 0;
  uint64_t zeroing_end = 0;
  bool busy = false;           // the zeroing thread is using fd
  bool zeros_written = false;  // the file may extend past `end`: truncate it at close
  bool closed = false;         // no more steps; fd is closed once busy is false
  bool failed = false;         // zeroing stopped on an error: the file grows as usual
};

namespace {

using rocksdb::IOStatus;

IOStatus Errno(const std::string& what, const std::string& file, int err) {
  return IOStatus::IOError(what + " " + file, std::strerror(err));
}

// Writes all of [data, data + size) at `offset`. Returns 0 or the errno.
int WriteAllAt(int fd, const char* data, size_t size, uint64_t offset) {
  while (size > 0) {
    const ssize_t n = ::pwrite(fd, data, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return 0;
}

class ZeroAheadWalFile final : public rocksdb::FSWritableFile {
 public:
  ZeroAheadWalFile(const rocksdb::FileOptions& options, ZeroAheadFileSystem* fs,
                   std::shared_ptr<ZeroAheadFileSystem::WalState> state, uint64_t low_water)
      : FSWritableFile(options), fs_(fs), state_(std::move(state)), low_water_(low_water) {}

  ~ZeroAheadWalFile() override { CloseFile().PermitUncheckedError(); }

  IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& /*options*/,
                  rocksdb::IODebugContext* /*dbg*/) override {
    ZeroAheadFileSystem::WalState& s = *state_;
    uint64_t offset = 0;
    bool step_due = false;
    int fd = -1;
    {
      std::unique_lock lock(s.mu);
      if (s.fd < 0) return IOStatus::IOError("append to closed WAL " + s.name);
      s.cv.wait(lock, [&] {
        return s.zeroing_begin >= s.zeroing_end || s.end + data.size() <= s.zeroing_begin;
      });
      offset = s.end;
      s.end += data.size();
      fd = s.fd;
      step_due = !s.failed && s.zeroed_end < s.end + low_water_;
    }
    if (const int err = WriteAllAt(fd, data.data(), data.size(), offset); err != 0) {
      return Errno("appending to", s.name, err);
    }
    if (step_due) fs_->RequestStepForAppend();
    return IOStatus::OK();
  }

  IOStatus Truncate(uint64_t size, const rocksdb::IOOptions& /*options*/,
                    rocksdb::IODebugContext* /*dbg*/) override {
    ZeroAheadFileSystem::WalState& s = *state_;
    std::unique_lock lock(s.mu);
    s.cv.wait(lock, [&] { return !s.busy; });
    if (s.fd < 0) return IOStatus::IOError("truncate of closed WAL " + s.name);
    if (::ftruncate(s.fd, static_cast<off_t>(size)) != 0) return Errno("truncating", s.name, errno);
    s.end = size;
    s.zeroed_end = size;
    return IOStatus::OK();
  }

  IOStatus Close(const rocksdb::IOOptions& /*options*/, rocksdb::IODebugContext* /*dbg*/) override {
    return CloseFile();
  }

  // Nothing is buffered here: Append has written to the file already.
  IOStatus Flush(const rocksdb::IOOptions& /*options*/, rocksdb::IODebugContext* /*dbg*/) override {
    return IOStatus::OK();
  }

  IOStatus Sync(const rocksdb::IOOptions& /*options*/, rocksdb::IODebugContext* /*dbg*/) override {
    const int fd = Fd();
    if (fd < 0) return IOStatus::IOError("sync of closed WAL " + state_->name);
    if (::fdatasync(fd) != 0) return Errno("syncing", state_->name, errno);
    return IOStatus::OK();
  }

  IOStatus Fsync(const rocksdb::IOOptions& /*options*/, rocksdb::IODebugContext* /*dbg*/) override {
    const int fd = Fd();
    if (fd < 0) return IOStatus::IOError("sync of closed WAL " + state_->name);
    if (::fsync(fd) != 0) return Errno("syncing", state_->name, errno);
    return IOStatus::OK();
  }

  bool IsSyncThreadSafe() const override { return true; }

  uint64_t GetFileSize(const rocksdb::IOOptions& /*options*/,
                       rocksdb::IODebugContext* /*dbg*/) override {
    std::lock_guard lock(state_->mu);
    return state_->end;
  }

  // The space ahead is made by the zeroing thread; RocksDB's own preallocation
  // (unwritten extents) would not spare the sync the metadata work.
  IOStatus Allocate(uint64_t /*offset*/, uint64_t /*len*/, const rocksdb::IOOptions& /*options*/,
                    rocksdb::IODebugContext* /*dbg*/) override {
    return IOStatus::OK();
  }

  IOStatus InvalidateCache(size_t /*offset*/, size_t /*length*/) override { return IOStatus::OK(); }

 private:
  int Fd() const {
    std::lock_guard lock(state_->mu);
    return state_->fd;
  }

  // Waits for a zero write in progress, cuts the zeros off and closes the descriptor.
  IOStatus CloseFile() {
    ZeroAheadFileSystem::WalState& s = *state_;
    std::unique_lock lock(s.mu);
    s.closed = true;
    s.cv.wait(lock, [&] { return !s.busy; });
    if (s.fd < 0) return IOStatus::OK();
    IOStatus status;
    // Not synced: a crash before the new size reaches the disk leaves zeros, which the
    // WAL reader skips.
    if (s.zeros_written && ::ftruncate(s.fd, static_cast<off_t>(s.end)) != 0) {
      status = Errno("truncating", s.name, errno);
    }
    if (::close(s.fd) != 0 && status.ok()) status = Errno("closing", s.name, errno);
    s.fd = -1;
    return status;
  }

  ZeroAheadFileSystem* const fs_;
  const std::shared_ptr<ZeroAheadFileSystem::WalState> state_;
  const uint64_t low_water_;
};

}  // namespace

bool IsWalFileName(const std::string& fname) {
  const size_t slash = fname.rfind('/');
  const std::string_view base =
      std::string_view(fname).substr(slash == std::string::npos ? 0 : slash + 1);
  constexpr std::string_view kSuffix = ".log";
  if (base.size() <= kSuffix.size() || !base.ends_with(kSuffix)) return false;
  const std::string_view number = base.substr(0, base.size() - kSuffix.size());
  return std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; });
}

ZeroAheadFileSystem::ZeroAheadFileSystem(std::shared_ptr<rocksdb::FileSystem> target,
                                         ZeroAheadOptions options)
    : FileSystemWrapper(std::move(target)),
      options_(options),
      zeros_(static_cast<size_t>(options.chunk_bytes), '\0') {
  if (options_.background) thread_ = std::thread([this] { Run(); });
}

ZeroAheadFileSystem::~ZeroAheadFileSystem() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

rocksdb::IOStatus ZeroAheadFileSystem::NewWritableFile(
    const std::string& fname, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* result, rocksdb::IODebugContext* dbg) {
  if (!IsWalFileName(fname) || options.use_direct_writes || options.use_mmap_writes) {
    return target()->NewWritableFile(fname, options, result, dbg);
  }
  const int fd = ::open(fname.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("creating", fname, errno);
  auto state = std::make_shared<WalState>(fd, fname);
  {
    std::lock_guard lock(mu_);
    newest_ = state;
    ++stats_.wal_files;
  }
  *result =
      std::make_unique<ZeroAheadWalFile>(options, this, std::move(state), options_.ahead_bytes / 2);
  return IOStatus::OK();
}

void ZeroAheadFileSystem::RequestStepForAppend() {
  if (request_pending_.exchange(true, std::memory_order_acq_rel)) return;
  {
    std::lock_guard lock(mu_);
    step_requested_ = true;
  }
  cv_.notify_one();
}

bool ZeroAheadFileSystem::Step() {
  std::shared_ptr<WalState> wal;
  {
    std::lock_guard lock(mu_);
    step_requested_ = false;
    request_pending_.store(false, std::memory_order_release);
    wal = newest_;
  }
  if (!wal) return false;
  WalState& s = *wal;
  uint64_t begin = 0;
  uint64_t end = 0;
  int fd = -1;
  {
    std::lock_guard lock(s.mu);
    // Nothing before the first append: a log opened and closed again costs nothing.
    if (s.closed || s.failed || s.busy || s.fd < 0 || s.end == 0) return false;
    begin = std::max(s.zeroed_end, s.end);
    if (begin >= s.end + options_.ahead_bytes) return false;
    end = (begin / options_.chunk_bytes + 1) * options_.chunk_bytes;  // chunk-aligned
    s.zeroing_begin = begin;
    s.zeroing_end = end;
    s.busy = true;
    s.zeros_written = true;  // also when the write fails part way
    fd = s.fd;
  }
  int err = WriteAllAt(fd, zeros_.data(), static_cast<size_t>(end - begin), begin);
  {
    std::lock_guard lock(s.mu);
    s.zeroing_begin = s.zeroing_end = 0;
  }
  s.cv.notify_all();  // appends may write into the zeros now
  // Write the chunk out first, so that a commit's fdatasync meanwhile finds little of it
  // dirty; the fdatasync then commits the blocks and the new size. The first is only an
  // optimisation (some filesystems refuse it); the fdatasync must succeed.
  if (err == 0) {
    ::sync_file_range(
        fd, static_cast<off_t>(begin), static_cast<off_t>(end - begin),
        SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
    if (::fdatasync(fd) != 0) err = errno;
  }
  {
    std::lock_guard lock(s.mu);
    s.busy = false;
    if (err == 0) {
      s.zeroed_end = std::max(s.zeroed_end, end);
    } else {
      s.failed = true;
    }
  }
  s.cv.notify_all();
  {
    std::lock_guard lock(mu_);
    if (err == 0) {
      stats_.zeroed_bytes += end - begin;
    } else {
      ++stats_.failures;
    }
  }
  if (err != 0) {
    log::Warn("eventlog.embedded.wal_zeroing_stopped",
              {{"file", s.name}, {"error", std::string(std::strerror(err))}});
  }
  return err == 0;
}

ZeroAheadStats ZeroAheadFileSystem::Stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void ZeroAheadFileSystem::Run() {
  pthread_setname_np(pthread_self(), "wal-zeroing");  // as ps and perf show it
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || step_requested_; });
      if (stopping_) return;
    }
    while (Step()) {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
  }
}

}  // namespace trappe::eventlog::internal
