// A child process with its stdout on a pipe, for tests that run the dev broker or kcat.
// Every wait has a deadline (poll on the pipe / on a pidfd); nothing sleeps.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "trappe/common/status.h"

extern char** environ;

namespace trappe::eventlog::testing {

// The full path of `program` found on PATH, or "" when it is not installed.
inline std::string FindOnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    const size_t colon = dirs.find(':', start);
    const std::string dir =
        dirs.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    const std::filesystem::path candidate =
        std::filesystem::path(dir.empty() ? "." : dir) / program;
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return "";
}

// This test program's own path, to run a child half of a test in a new process.
inline std::string ThisProgram() {
  return std::filesystem::read_symlink("/proc/self/exe").string();
}

class Subprocess {
 public:
  // `extra_env`: "NAME=value" entries added to this process's environment for the child.
  static Result<std::unique_ptr<Subprocess>> Start(const std::vector<std::string>& argv,
                                                   const std::vector<std::string>& extra_env = {}) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return Internal(std::string("pipe: ") + std::strerror(errno));
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
    env_strings.insert(env_strings.end(), extra_env.begin(), extra_env.end());
    std::vector<char*> envp;
    for (std::string& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_t pid = 0;
    const int spawned =
        posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (spawned != 0) {
      close(fds[0]);
      return Unavailable("cannot start " + argv[0] + ": " + std::strerror(spawned));
    }
    std::unique_ptr<Subprocess> p(new Subprocess());
    p->pid_ = pid;
    p->stdout_ = fds[0];
    p->pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    return p;
  }

  ~Subprocess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (stdout_ >= 0) close(stdout_);
    if (pidfd_ >= 0) close(pidfd_);
  }

  // The next line of stdout (without '\n'); DEADLINE_EXCEEDED, or UNAVAILABLE at EOF.
  Result<std::string> ReadLine(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const size_t newline = buffer_.find('\n');
      if (newline != std::string::npos) {
        std::string line = buffer_.substr(0, newline);
        buffer_.erase(0, newline + 1);
        return line;
      }
      TRAPPE_ASSIGN_OR_RETURN(bool more, ReadSome(deadline));
      if (!more) return Unavailable("end of output before a full line: '" + buffer_ + "'");
    }
  }

  // Everything the process writes to stdout until it closes it.
  Result<std::string> ReadToEnd(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      TRAPPE_ASSIGN_OR_RETURN(bool more, ReadSome(deadline));
      if (!more) return std::move(buffer_);
    }
  }

  void Signal(int signal_number) {
    if (pid_ > 0) kill(pid_, signal_number);
  }

  // The exit code (or 128 + signal); DEADLINE_EXCEEDED (and SIGKILL) if it does not end.
  Result<int> Wait(std::chrono::milliseconds timeout) {
    pollfd p{pidfd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) {
      return DeadlineExceeded("process did not exit in time");
    }
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
  }

 private:
  Subprocess() = default;

  Result<bool> ReadSome(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return DeadlineExceeded("no output in time; so far: '" + buffer_ + "'");
    pollfd p{stdout_, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(left.count()));
    if (ready == 0) return DeadlineExceeded("no output in time; so far: '" + buffer_ + "'");
    if (ready < 0 && errno != EINTR) return Internal(std::string("poll: ") + std::strerror(errno));
    char chunk[4096];
    const ssize_t n = read(stdout_, chunk, sizeof chunk);
    if (n < 0) return errno == EINTR ? Result<bool>(true) : Internal(std::strerror(errno));
    if (n == 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  int stdout_ = -1;
  int pidfd_ = -1;
  std::string buffer_;
};

// A child process run to its end: its exit code and everything it wrote.
struct ChildRun {
  int exit_code = -1;
  std::string output;
};

// Runs the tests of this test program that match `gtest_filter` in a child process whose
// environment names `dir` in `variable` (the child half of a test reads it and does
// nothing without it), and waits for its end, `patience` for the output and the exit each.
inline Result<ChildRun> RunChildTests(const std::string& gtest_filter, const std::string& variable,
                                      const std::string& dir, std::chrono::milliseconds patience) {
  TRAPPE_ASSIGN_OR_RETURN(
      auto child,
      Subprocess::Start({ThisProgram(), "--gtest_filter=" + gtest_filter}, {variable + "=" + dir}));
  ChildRun run;
  TRAPPE_ASSIGN_OR_RETURN(run.output, child->ReadToEnd(patience));
  TRAPPE_ASSIGN_OR_RETURN(run.exit_code, child->Wait(patience));
  return run;
}

}  // namespace trappe::eventlog::testing
