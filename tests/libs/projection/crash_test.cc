// Crash consistency: a projection process killed with SIGKILL at random points while it
// applies resumes after its checkpoint, and in the end every event is applied exactly once,
// checked by exact per-key counts against the log.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>

#include "projection_test_util.h"
#include "trappe/eventlog/embedded_log.h"
#include "trappe/testing/status_matchers.h"
#include "trappe/testing/temp_dir.h"

extern char** environ;

namespace trappe::projection::testing {
namespace {

using ::trappe::testing::TempDir;

constexpr int kEvents = 30000;
constexpr int32_t kPartitions = 4;

eventlog::EmbeddedLogOptions LogOptions(const std::string& directory) {
  eventlog::EmbeddedLogOptions options;
  options.directory = directory;
  options.topics = {{kCases, kPartitions}};
  options.sync = false;  // a throwaway log: no machine crash in this test
  return options;
}

struct ChildRun {
  bool killed = false;
  int exit_code = -1;
  int lines = 0;
  bool done = false;
};

// Runs the child until it has printed `kill_after` progress lines, then SIGKILLs it
// (kill_after < 0: lets it finish).
ChildRun RunChild(const std::vector<std::string>& args, int kill_after) {
  ChildRun run;
  int fds[2];
  if (::pipe(fds) != 0) return run;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  posix_spawn_file_actions_addclose(&actions, fds[1]);
  std::vector<char*> argv;
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (spawned != 0) {
    ::close(fds[0]);
    return run;
  }
  std::string tail;
  char buffer[4096];
  bool sent_kill = false;
  while (true) {
    const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n <= 0) break;  // EOF: the child is gone
    for (ssize_t i = 0; i < n; ++i) {
      if (buffer[i] != '\n') {
        tail.push_back(buffer[i]);
        continue;
      }
      ++run.lines;
      run.done = run.done || tail == "done";
      tail.clear();
      if (!sent_kill && kill_after >= 0 && run.lines >= kill_after) {
        ::kill(pid, SIGKILL);
        sent_kill = true;
      }
    }
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  run.killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  return run;
}

std::vector<eventlog::StoredRecord> ReadWholeTopic(eventlog::EventLog& log,
                                                   const std::string& topic) {
  std::vector<eventlog::StoredRecord> out;
  const auto ends = log.EndOffsets(topic).value();
  std::vector<eventlog::TopicPartitionOffset> from;
  int64_t total = 0;
  for (size_t p = 0; p < ends.size(); ++p) {
    from.push_back({topic, static_cast<int32_t>(p), 0});
    total += ends[p];
  }
  auto subscription = log.Subscribe(from).value();
  while (static_cast<int64_t>(out.size()) < total) {
    auto records = subscription->Poll(4096, std::chrono::seconds(5)).value();
    if (records.empty()) break;
    for (auto& record : records) out.push_back(std::move(record));
  }
  return out;
}

TEST(ProjectionCheckpointCrashTest, SigkillAtRandomPointsNeitherLosesNorDoublesAnEvent) {
  TempDir dir;
  const std::string log_dir = dir.Sub("log");
  const std::string projection_dir = dir.Sub("projection");
  {
    ASSERT_OK_AND_ASSIGN(auto log, eventlog::OpenEmbeddedLog(LogOptions(log_dir)));
    AppendRandomHistory(*log, kCases, kEvents, 500, 2024);
    log->Close();
  }

  std::mt19937 random(61);  // fixed: the same kill points every run
  int kills = 0;
  for (int round = 0; round < 12; ++round) {
    const int kill_after = 1 + static_cast<int>(random() % 40);
    const std::string batch = std::to_string(1 + random() % 300);
    const ChildRun run =
        RunChild({TRAPPE_PROJECTION_CRASH_CHILD, log_dir, projection_dir, batch}, kill_after);
    if (run.killed) {
      ++kills;
    } else {
      ASSERT_EQ(run.exit_code, 0) << "round " << round;
      ASSERT_TRUE(run.done);
    }
  }
  EXPECT_GE(kills, 6) << "most rounds should have been killed mid-way";

  const ChildRun last =
      RunChild({TRAPPE_PROJECTION_CRASH_CHILD, log_dir, projection_dir, "128"}, -1);
  ASSERT_EQ(last.exit_code, 0);
  ASSERT_TRUE(last.done);

  ASSERT_OK_AND_ASSIGN(auto log, eventlog::OpenEmbeddedLog(LogOptions(log_dir)));
  const auto records = ReadWholeTopic(*log, kCases);
  ASSERT_EQ(records.size(), static_cast<size_t>(kEvents));
  ASSERT_OK_AND_ASSIGN(auto engine,
                       Engine::Open(log.get(), std::make_shared<EventCountProjection>(),
                                    OptionsFor(projection_dir)));
  ASSERT_OK_AND_ASSIGN(auto lag, engine->Lag());
  EXPECT_TRUE(lag.caught_up);
  const auto counted = ReadCounters(*engine, EventCountProjection::kPerAggregate);
  const auto expected = CountPerAggregate(records);
  EXPECT_EQ(counted.size(), expected.size());
  EXPECT_EQ(counted, expected);
  int64_t per_type_total = 0;
  for (const auto& [key, count] : ReadCounters(*engine, EventCountProjection::kPerType)) {
    per_type_total += count;
  }
  EXPECT_EQ(per_type_total, kEvents);

  // And the recovered store is byte for byte what a clean replay gives.
  ASSERT_OK_AND_ASSIGN(const std::string recovered, engine->Checksum());
  ASSERT_OK(engine->Rebuild());
  ASSERT_OK_AND_ASSIGN(const std::string rebuilt, engine->Checksum());
  EXPECT_EQ(recovered, rebuilt);
}

}  // namespace
}  // namespace trappe::projection::testing
