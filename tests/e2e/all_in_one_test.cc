// The all-in-one server as users run it: the real trappe-server binary (port 0, a temp
// data dir, the embedded log) driven by the real trappe CLI binary through a whole story,
// then stopped with SIGTERM and started again on the same data, then rebuilt from the log.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "servers.h"
#include "story.h"
#include "trappe/testing/status_matchers.h"
#include "trappe/testing/temp_dir.h"

namespace trappe::e2e {
namespace {

const std::vector<std::string> kAllServices = {kWorkloadService, kCasesService, kPlacementsService,
                                               kSchedulingService};

// `trappe status`: each service's projection checksum, by service name.
std::map<std::string, std::string> Checksums(Cli& cli, const std::string& address) {
  std::map<std::string, std::string> checksums;
  const testing::RunResult status = cli.MustRun(address, {"status"});
  for (const std::string& row : TableRows(status.out)) {
    const std::string service = row.substr(0, row.find('|'));
    checksums[service] = row.substr(row.rfind('|') + 1);
    EXPECT_THAT(row, ::testing::StartsWith(service + "|yes|")) << status.out;
  }
  return checksums;
}

TEST(AllInOneE2E, AFosterPlacementsDeadlinesAndLoadsAreTheSameAfterARestartAndARebuild) {
  testing::TempDir dir;
  const std::string data_dir = dir.Sub("data");
  Cli cli(dir.path() / "cli");

  ASSERT_OK_AND_ASSIGN(RunningServer server,
                       StartServer(TRAPPE_SERVER_BINARY, {"--data-dir", data_dir},
                                   dir.path() / "server-1", kAllServices));
  const Endpoints at = Endpoints::AllAt(server.address);
  const StoryResult story = TellStory(cli, at);
  ASSERT_FALSE(::testing::Test::HasFailure());
  const std::map<std::string, std::string> before =
      Answers(cli, at, story.case_id, story.written);
  ExpectTheStorysDeadlinesAndLoads(before, story.case_id);
  const std::map<std::string, std::string> checksums = Checksums(cli, server.address);
  ASSERT_EQ(checksums.size(), 4u);

  // A graceful stop: SIGTERM, exit code 0.
  ASSERT_OK_AND_ASSIGN(const testing::ExitStatus stopped, server.process->Terminate(kPatience));
  EXPECT_TRUE(stopped.ExitedWith(0)) << stopped;

  // The same data dir: the server resumes from its projections' checkpoints and the log.
  ASSERT_OK_AND_ASSIGN(RunningServer again,
                       StartServer(TRAPPE_SERVER_BINARY, {"--data-dir", data_dir},
                                   dir.path() / "server-2", kAllServices));
  const std::map<std::string, std::string> after =
      Answers(cli, Endpoints::AllAt(again.address), story.case_id, {});
  for (const auto& [question, answer] : before) {
    EXPECT_EQ(after.at(question), answer) << question;
  }
  EXPECT_EQ(Checksums(cli, again.address), checksums);

  // Every projection rebuilt from the log: the same checksums, the same answers.
  const testing::RunResult rebuilt = cli.MustRun(again.address, {"rebuild"});
  std::map<std::string, std::string> rebuilt_checksums;
  for (const std::string& row : TableRows(rebuilt.out)) {
    const std::string service = row.substr(0, row.find('|'));
    rebuilt_checksums[service] = row.substr(row.rfind('|') + 1);
  }
  EXPECT_EQ(rebuilt_checksums, checksums) << rebuilt.out;
  const std::map<std::string, std::string> after_rebuild =
      Answers(cli, Endpoints::AllAt(again.address), story.case_id, {});
  for (const auto& [question, answer] : before) {
    EXPECT_EQ(after_rebuild.at(question), answer) << question;
  }

  ASSERT_OK_AND_ASSIGN(const testing::ExitStatus stopped_again,
                       again.process->Terminate(kPatience));
  EXPECT_TRUE(stopped_again.ExitedWith(0)) << stopped_again;
}

}  // namespace
}  // namespace trappe::e2e
