// Child processes for process-level tests (end-to-end and fault tests): start a built
// binary with arguments and environment, capture its stdout and stderr in files, wait for
// a line that matches a pattern (a bound address, a broker's bootstrap servers), stop it
// with SIGTERM and a grace period, kill it with SIGKILL, and read its exit status.
//
// Every wait has a deadline and blocks on the kernel (inotify on the output files, a
// pidfd for the exit), never on a sleep. The output goes straight to files, so it is kept
// when a test fails or crashes, and a grandchild that inherits it cannot block anything.
//
//   ProcessOptions options{.argv = {TRAPPE_SERVER_BINARY, "--listen", "127.0.0.1:0"},
//                          .output_dir = dir.Sub("server")};
//   ASSERT_OK_AND_ASSIGN(std::unique_ptr<Process> server, Process::Start(options));
//   ASSERT_OK_AND_ASSIGN(std::vector<std::string> match,
//       server->WaitForLine(Stream::kStdout, std::regex("listening on (\\S+)"), Within(30s)));
//   const std::string address = match[1];
//   ...
//   ASSERT_OK_AND_ASSIGN(ExitStatus exit, server->Terminate(std::chrono::seconds(10)));
//   EXPECT_TRUE(exit.ExitedWith(0)) << exit;
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <regex>
#include <string>
#include <vector>

#include "trappe/common/status.h"

namespace trappe::testing {

using Deadline = std::chrono::steady_clock::time_point;

// now + timeout.
Deadline Within(std::chrono::steady_clock::duration timeout);

// The full path of `program` found on PATH, or "" when it is not installed.
std::string FindOnPath(const std::string& program);

enum class Stream { kStdout, kStderr };

// How a process ended: an exit code, or the signal that killed it.
struct ExitStatus {
  int code = -1;   // the exit code when it exited, else -1
  int signal = 0;  // the signal that killed it, else 0

  bool ExitedWith(int expected) const { return signal == 0 && code == expected; }
  bool KilledBy(int expected) const { return signal == expected; }
  std::string ToString() const;  // "exit code 0", "killed by signal 9 (Killed)"
  friend std::ostream& operator<<(std::ostream& os, const ExitStatus& s) {
    return os << s.ToString();
  }
};

struct ProcessOptions {
  // argv[0] is the program: a path, or a name looked up on PATH.
  std::vector<std::string> argv;
  // "NAME=VALUE" entries set in the child's environment, over the inherited one (or over
  // an empty one when inherit_environment is false).
  std::vector<std::string> env;
  bool inherit_environment = true;
  // The working directory; empty: the test's.
  std::filesystem::path working_dir;
  // stdout and stderr are written to <output_dir>/stdout and <output_dir>/stderr (created
  // if missing; files from an earlier process there are replaced). Required.
  std::filesystem::path output_dir;
  // The child is killed (SIGKILL) if the thread that started it ends, so a crashed test
  // leaves no servers behind. Start processes from a thread that outlives them (a test's
  // own thread does), or turn this off.
  bool kill_with_parent = true;
  // The child leads a new process group, so Signal/Kill can reach its children too (for
  // scripts that start processes of their own).
  bool new_process_group = false;
};

class Process {
 public:
  // Starts the process. Fails if the program cannot be found or executed.
  [[nodiscard]] static Result<std::unique_ptr<Process>> Start(ProcessOptions options);
  // Kills the process (SIGKILL; its group too with new_process_group) if still running.
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  const std::filesystem::path& stdout_path() const { return stdout_path_; }
  const std::filesystem::path& stderr_path() const { return stderr_path_; }

  // Everything the process has written to the stream so far.
  std::string Output(Stream stream) const;

  // Waits until a complete line of the stream matches `pattern` (std::regex_search) and
  // returns the match: [0] the matched text, [1].. the groups. Lines already written count.
  // DEADLINE_EXCEEDED at the deadline; FAILED_PRECONDITION if the process ends first.
  // Both errors carry the tail of the stream.
  [[nodiscard]] Result<std::vector<std::string>> WaitForLine(Stream stream,
                                                             const std::regex& pattern,
                                                             Deadline deadline);

  // True while the process has not ended (it may be a zombie not yet waited for).
  bool Running();

  // Waits until the process ends: its exit status. DEADLINE_EXCEEDED if it is still
  // running at the deadline (it keeps running).
  [[nodiscard]] Result<ExitStatus> Wait(Deadline deadline);

  // Sends a signal (to the group with new_process_group). No-op once it has been reaped.
  void Signal(int signal_number);

  // SIGTERM, then waits up to `grace` for a clean exit; if it is still running, SIGKILL.
  // Returns how it ended; DEADLINE_EXCEEDED (with the process killed) if it needed the kill.
  [[nodiscard]] Result<ExitStatus> Terminate(std::chrono::steady_clock::duration grace);

  // SIGKILL (kill -9) and reap: how it ended (killed by signal 9, unless it had exited).
  ExitStatus Kill();

 private:
  Process() = default;
  [[nodiscard]] Result<ExitStatus> Reap(Deadline deadline);

  ProcessOptions options_;
  pid_t pid_ = -1;
  int pidfd_ = -1;
  std::optional<ExitStatus> exit_;
  std::filesystem::path stdout_path_;
  std::filesystem::path stderr_path_;
};

// Runs a process to completion (or kills it at the deadline): for command-line tools.
struct RunResult {
  ExitStatus exit;
  std::string out;
  std::string err;
};
[[nodiscard]] Result<RunResult> RunToCompletion(ProcessOptions options, Deadline deadline);

}  // namespace trappe::testing
