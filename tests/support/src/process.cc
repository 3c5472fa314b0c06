#include "trappe/testing/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

extern char** environ;

namespace trappe::testing {
namespace {

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

int MillisecondsUntil(Deadline deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return 0;
  // Round up so a wait never returns early just before its deadline.
  return static_cast<int>(std::min<int64_t>(left.count() + 1, 1'000'000'000));
}

std::string ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Tail(const std::string& text, size_t max_chars = 2000) {
  if (text.size() <= max_chars) return text;
  return "..." + text.substr(text.size() - max_chars);
}

// The environment of the child: the inherited one (or none), then `overrides` by name.
std::vector<std::string> ChildEnvironment(const ProcessOptions& options) {
  std::map<std::string, std::string> by_name;
  std::vector<std::string> order;
  const auto put = [&](const std::string& entry) {
    const std::string name = entry.substr(0, entry.find('='));
    if (by_name.find(name) == by_name.end()) order.push_back(name);
    by_name[name] = entry;
  };
  if (options.inherit_environment) {
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) put(*e);
  }
  for (const std::string& entry : options.env) put(entry);
  std::vector<std::string> out;
  out.reserve(order.size());
  for (const std::string& name : order) out.push_back(by_name[name]);
  return out;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

ExitStatus FromWaitStatus(int status) {
  ExitStatus exit;
  if (WIFEXITED(status)) exit.code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) exit.signal = WTERMSIG(status);
  return exit;
}

}  // namespace

Deadline Within(std::chrono::steady_clock::duration timeout) {
  return std::chrono::steady_clock::now() + timeout;
}

std::string FindOnPath(const std::string& program) {
  if (program.find('/') != std::string::npos) {
    return access(program.c_str(), X_OK) == 0 ? program : "";
  }
  const char* path = std::getenv("PATH");
  const std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
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

std::string ExitStatus::ToString() const {
  if (signal != 0) {
    const char* name = strsignal(signal);
    return "killed by signal " + std::to_string(signal) + " (" + (name != nullptr ? name : "?") +
           ")";
  }
  if (code >= 0) return "exit code " + std::to_string(code);
  return "not ended";
}

Result<std::unique_ptr<Process>> Process::Start(ProcessOptions options) {
  if (options.argv.empty()) return InvalidArgument("argv", "names no program");
  if (options.output_dir.empty()) return InvalidArgument("output_dir", "is required");
  const std::string program = FindOnPath(options.argv[0]);
  if (program.empty())
    return NotFound("program " + options.argv[0] + " not found or not executable");

  std::error_code error;
  std::filesystem::create_directories(options.output_dir, error);
  if (error)
    return Internal("cannot create " + options.output_dir.string() + ": " + error.message());

  std::unique_ptr<Process> process(new Process());
  process->stdout_path_ = options.output_dir / "stdout";
  process->stderr_path_ = options.output_dir / "stderr";

  // Everything the child needs is prepared here: between fork and exec a multithreaded
  // parent's child may only make async-signal-safe calls.
  std::vector<std::string> argv_strings = options.argv;
  std::vector<char*> argv = CStrings(argv_strings);
  std::vector<std::string> env_strings = ChildEnvironment(options);
  std::vector<char*> envp = CStrings(env_strings);
  const std::string working_dir = options.working_dir.string();
  const int flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
  const int out_fd = open(process->stdout_path_.c_str(), flags, 0644);
  const int err_fd = open(process->stderr_path_.c_str(), flags, 0644);
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int exec_errors[2] = {-1, -1};  // the child reports a failed exec's errno here
  const bool opened =
      out_fd >= 0 && err_fd >= 0 && null_fd >= 0 && pipe2(exec_errors, O_CLOEXEC) == 0;
  const auto close_all = [&] {
    for (int fd : {out_fd, err_fd, null_fd, exec_errors[0], exec_errors[1]}) {
      if (fd >= 0) close(fd);
    }
  };
  if (!opened) {
    const std::string message = Errno("cannot open the output files or a pipe");
    close_all();
    return Internal(message);
  }

  const pid_t parent = getpid();
  const bool kill_with_parent = options.kill_with_parent;
  const bool new_group = options.new_process_group;
  const pid_t pid = fork();
  if (pid < 0) {
    const std::string message = Errno("fork");
    close_all();
    return Internal(message);
  }
  if (pid == 0) {
    // The child: async-signal-safe calls only.
    if (kill_with_parent) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);  // the parent is already gone
    }
    if (new_group) setpgid(0, 0);
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    for (int sig : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD})
      sigaction(sig, &default_action, nullptr);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (dup2(null_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
        dup2(err_fd, STDERR_FILENO) < 0 ||
        (!working_dir.empty() && chdir(working_dir.c_str()) != 0)) {
      const int e = errno;
      (void)!write(exec_errors[1], &e, sizeof e);
      _exit(127);
    }
    execve(program.c_str(), argv.data(), envp.data());
    const int e = errno;
    (void)!write(exec_errors[1], &e, sizeof e);
    _exit(127);
  }

  if (new_group) setpgid(pid, pid);  // also here, so a signal right away reaches the group
  close(exec_errors[1]);
  exec_errors[1] = -1;
  int child_errno = 0;
  ssize_t n = 0;
  do {
    n = read(exec_errors[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  close_all();
  process->options_ = std::move(options);
  process->pid_ = pid;
  process->pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (n > 0) {
    int status = 0;
    waitpid(pid, &status, 0);
    process->exit_ = FromWaitStatus(status);
    return Unavailable("cannot start " + program + ": " + std::strerror(child_errno));
  }
  if (process->pidfd_ < 0) return Internal(Errno("pidfd_open"));
  return process;
}

Process::~Process() {
  if (pid_ > 0 && !exit_) Kill();
  if (pidfd_ >= 0) close(pidfd_);
}

std::string Process::Output(Stream stream) const {
  return ReadWholeFile(stream == Stream::kStdout ? stdout_path_ : stderr_path_);
}

bool Process::Running() {
  if (exit_) return false;
  pollfd p{pidfd_, POLLIN, 0};
  return poll(&p, 1, 0) == 0;
}

Result<std::vector<std::string>> Process::WaitForLine(Stream stream, const std::regex& pattern,
                                                      Deadline deadline) {
  const std::filesystem::path& path = stream == Stream::kStdout ? stdout_path_ : stderr_path_;
  // Watch before the first read: a write between a read and the poll still wakes it.
  const int inotify = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (inotify < 0) return Internal(Errno("inotify_init1"));
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{inotify};
  if (inotify_add_watch(inotify, path.c_str(), IN_MODIFY | IN_CLOSE_WRITE) < 0) {
    return Internal(Errno("inotify_add_watch " + path.string()));
  }
  size_t scanned = 0;  // where the first line not yet matched starts
  while (true) {
    const bool ended = !Running();  // checked before reading: its last output is then read
    const std::string text = ReadWholeFile(path);
    size_t newline = 0;
    while ((newline = text.find('\n', scanned)) != std::string::npos) {
      const std::string line = text.substr(scanned, newline - scanned);
      scanned = newline + 1;
      std::smatch match;
      if (std::regex_search(line, match, pattern)) {
        std::vector<std::string> groups;
        for (const auto& group : match) groups.push_back(group.str());
        return groups;
      }
    }
    if (ended) {
      return FailedPrecondition("the process ended before writing a matching line; its " +
                                std::string(stream == Stream::kStdout ? "stdout" : "stderr") +
                                ": " + Tail(text) + "\nstderr: " + Tail(Output(Stream::kStderr)));
    }
    const int timeout = MillisecondsUntil(deadline);
    if (timeout == 0) {
      return DeadlineExceeded("no matching line in time; so far: " + Tail(text) +
                              "\nstderr: " + Tail(Output(Stream::kStderr)));
    }
    pollfd fds[2] = {{inotify, POLLIN, 0}, {pidfd_, POLLIN, 0}};
    if (poll(fds, 2, timeout) < 0 && errno != EINTR) return Internal(Errno("poll"));
    char events[4096];
    while (read(inotify, events, sizeof events) > 0) {
    }
  }
}

Result<ExitStatus> Process::Reap(Deadline deadline) {
  if (exit_) return *exit_;
  while (true) {
    pollfd p{pidfd_, POLLIN, 0};
    const int ready = poll(&p, 1, MillisecondsUntil(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return Internal(Errno("poll"));
    if (ready == 0) return DeadlineExceeded("process " + std::to_string(pid_) + " still running");
    break;
  }
  int status = 0;
  pid_t reaped = 0;
  do {
    reaped = waitpid(pid_, &status, 0);
  } while (reaped < 0 && errno == EINTR);
  if (reaped != pid_) return Internal(Errno("waitpid"));
  exit_ = FromWaitStatus(status);
  return *exit_;
}

Result<ExitStatus> Process::Wait(Deadline deadline) { return Reap(deadline); }

void Process::Signal(int signal_number) {
  if (exit_ || pid_ <= 0) return;  // reaped: the pid may belong to someone else now
  kill(options_.new_process_group ? -pid_ : pid_, signal_number);
}

Result<ExitStatus> Process::Terminate(std::chrono::steady_clock::duration grace) {
  if (exit_) return *exit_;
  Signal(SIGTERM);
  Result<ExitStatus> ended = Reap(Within(grace));
  if (ended.ok() || ended.status().code() != StatusCode::kDeadlineExceeded) return ended;
  const ExitStatus killed = Kill();
  return DeadlineExceeded(
      "the process did not stop within its grace period after SIGTERM and was " +
      killed.ToString());
}

ExitStatus Process::Kill() {
  if (exit_) return *exit_;
  Signal(SIGKILL);
  // SIGKILL cannot be caught: the wait ends as soon as the kernel has torn it down.
  Result<ExitStatus> ended = Reap(Within(std::chrono::minutes(1)));
  return ended.ok() ? *ended : ExitStatus{};
}

Result<RunResult> RunToCompletion(ProcessOptions options, Deadline deadline) {
  TRAPPE_ASSIGN_OR_RETURN(std::unique_ptr<Process> process, Process::Start(std::move(options)));
  Result<ExitStatus> ended = process->Wait(deadline);
  if (!ended.ok()) {
    process->Kill();
    return ended.status().WithContext("running " + process->stdout_path().parent_path().string() +
                                      "; stderr: " + Tail(process->Output(Stream::kStderr)));
  }
  return RunResult{.exit = *ended,
                   .out = process->Output(Stream::kStdout),
                   .err = process->Output(Stream::kStderr)};
}

}  // namespace trappe::testing
