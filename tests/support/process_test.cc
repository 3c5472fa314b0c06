// The child-process helper that end-to-end and fault tests build on, checked against
// /bin/sh: output capture, waiting for a line, environment, SIGTERM, SIGKILL, exit codes.
#include "trappe/testing/process.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "trappe/testing/status_matchers.h"
#include "trappe/testing/temp_dir.h"

namespace trappe::testing {
namespace {

using std::chrono::seconds;
using ::testing::HasSubstr;

constexpr auto kPatience = seconds(30);

class ProcessTest : public ::testing::Test {
 protected:
  ProcessOptions Shell(const std::string& script) {
    return {.argv = {"sh", "-c", script}, .output_dir = dir_.Sub("run" + std::to_string(runs_++))};
  }
  TempDir dir_;
  int runs_ = 0;
};

TEST_F(ProcessTest, WaitForLineReturnsTheGroupsOfTheFirstMatchingLine) {
  ProcessOptions options = Shell(
      "echo starting; echo 'listening on 127.0.0.1:4242 (ready)'; echo oops >&2; exec sleep 1000");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Process> p, Process::Start(options));
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> match,
      p->WaitForLine(Stream::kStdout, std::regex("listening on (\\S+)"), Within(kPatience)));
  ASSERT_EQ(match.size(), 2u);
  EXPECT_EQ(match[1], "127.0.0.1:4242");
  ASSERT_OK(p->WaitForLine(Stream::kStderr, std::regex("^oops$"), Within(kPatience)));
  EXPECT_TRUE(p->Running());
  EXPECT_THAT(p->Output(Stream::kStdout), HasSubstr("starting\n"));
}

TEST_F(ProcessTest, WaitForLineFailsAtOnceWhenTheProcessEndsWithoutTheLine) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Process> p,
                       Process::Start(Shell("echo something else; exit 3")));
  EXPECT_STATUS(p->WaitForLine(Stream::kStdout, std::regex("listening"), Within(kPatience)),
                StatusCode::kFailedPrecondition, "something else");
  ASSERT_OK_AND_ASSIGN(ExitStatus exit, p->Wait(Within(kPatience)));
  EXPECT_TRUE(exit.ExitedWith(3)) << exit;
}

TEST_F(ProcessTest, WaitForLineGivesUpAtTheDeadline) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Process> p,
                       Process::Start(Shell("echo partial; exec sleep 1000")));
  ASSERT_OK(p->WaitForLine(Stream::kStdout, std::regex("partial"), Within(kPatience)));
  EXPECT_STATUS(p->WaitForLine(Stream::kStdout, std::regex("never"), Within(seconds(0))),
                StatusCode::kDeadlineExceeded, "partial");
  EXPECT_STATUS(p->Wait(Within(seconds(0))), StatusCode::kDeadlineExceeded, "still running");
}

TEST_F(ProcessTest, TheEnvironmentOverridesAndCanReplaceTheInheritedOne) {
  ProcessOptions options = Shell("echo \"$TRAPPE_TEST_VALUE|${HOME:-none}\"");
  options.env = {"TRAPPE_TEST_VALUE=42"};
  ASSERT_OK_AND_ASSIGN(RunResult inherited, RunToCompletion(options, Within(kPatience)));
  EXPECT_TRUE(inherited.exit.ExitedWith(0)) << inherited.exit;
  EXPECT_THAT(inherited.out, HasSubstr("42|"));

  options = Shell("echo \"$TRAPPE_TEST_VALUE|${HOME:-none}\"");
  options.argv[0] = "/bin/sh";
  options.env = {"TRAPPE_TEST_VALUE=7"};
  options.inherit_environment = false;
  ASSERT_OK_AND_ASSIGN(RunResult clean, RunToCompletion(options, Within(kPatience)));
  EXPECT_EQ(clean.out, "7|none\n");
}

TEST_F(ProcessTest, TerminateEndsAProcessThatHonoursSigterm) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Process> p,
                       Process::Start(Shell("sleep 1000 & trap 'kill $!; echo bye; exit 0' TERM; "
                                            "echo ready; wait")));
  ASSERT_OK(p->WaitForLine(Stream::kStdout, std::regex("ready"), Within(kPatience)));
  ASSERT_OK_AND_ASSIGN(ExitStatus exit, p->Terminate(kPatience));
  EXPECT_TRUE(exit.ExitedWith(0)) << exit;
  EXPECT_THAT(p->Output(Stream::kStdout), HasSubstr("bye"));
  EXPECT_FALSE(p->Running());
}

TEST_F(ProcessTest, TerminateKillsAProcessThatIgnoresSigterm) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Process> p,
                       Process::Start(Shell("trap '' TERM; echo ready; exec sleep 1000")));
  ASSERT_OK(p->WaitForLine(Stream::kStdout, std::regex("ready"), Within(kPatience)));
  EXPECT_STATUS(p->Terminate(seconds(0)), StatusCode::kDeadlineExceeded, "signal 9");
  EXPECT_FALSE(p->Running());
}

TEST_F(ProcessTest, KillIsKillNine) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Process> p, Process::Start(Shell("exec sleep 1000")));
  const ExitStatus exit = p->Kill();
  EXPECT_TRUE(exit.KilledBy(SIGKILL)) << exit;
  EXPECT_EQ(p->Kill().signal, SIGKILL);  // idempotent: the same status
}

TEST_F(ProcessTest, AProgramThatDoesNotExistIsReported) {
  ProcessOptions options{.argv = {"trappe-no-such-program"}, .output_dir = dir_.Sub("none")};
  EXPECT_STATUS(Process::Start(options), StatusCode::kNotFound, "trappe-no-such-program");
  options.argv = {dir_.Sub("not-executable")};
  { std::ofstream(options.argv[0]) << "#!/bin/sh\n"; }
  EXPECT_STATUS(Process::Start(options), StatusCode::kNotFound, "not-executable");
}

TEST_F(ProcessTest, ANewProcessGroupIsKilledWhole) {
  ProcessOptions options = Shell("sleep 1000 & echo \"child $!\"; wait");
  options.new_process_group = true;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Process> p, Process::Start(options));
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> match,
      p->WaitForLine(Stream::kStdout, std::regex("child (\\d+)"), Within(kPatience)));
  const pid_t grandchild = std::stoi(match[1]);
  EXPECT_TRUE(p->Kill().KilledBy(SIGKILL));
  // The grandchild got the SIGKILL too: it ends (a pidfd of any process becomes readable
  // when it ends; ESRCH: it is gone already).
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, grandchild, 0));
  if (pidfd >= 0) {
    pollfd ended{pidfd, POLLIN, 0};
    EXPECT_EQ(poll(&ended, 1, 30'000), 1) << "the grandchild " << grandchild << " still runs";
    close(pidfd);
  } else {
    EXPECT_EQ(errno, ESRCH);
  }
}

}  // namespace
}  // namespace trappe::testing
