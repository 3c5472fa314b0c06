// The story every end-to-end test tells through the real `trappe` CLI binary: Herning
// (0657) with team Vest and two caseworkers, a child's case, a par. 43 foster placement,
// a co-worker, the child's plan and two follow-ups, one of them late. The story is told
// through whichever server answers each service (one address for the all-in-one server,
// four for the distributed services) and checks what a caseworker would see: the
// deadlines (hand-computed dates) and the caseloads (points).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "trappe/testing/process.h"

namespace trappe::e2e {

// Where each service answers (the same address four times for trappe-server).
struct Endpoints {
  std::string workload;
  std::string cases;
  std::string placements;
  std::string scheduling;

  static Endpoints AllAt(const std::string& address) {
    return {address, address, address, address};
  }
};

// Runs the CLI binary with a clean environment (TRAPPE_ACTOR=tester, TRAPPE_TENANT=0657),
// capturing each run's output in its own folder under `dir`.
class Cli {
 public:
  explicit Cli(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // `trappe --server <server> args...`; a failure to run at all is reported as exit -1.
  testing::RunResult Run(const std::string& server, const std::vector<std::string>& args);
  // The same, and a test failure (with stderr) unless it exits 0.
  testing::RunResult MustRun(const std::string& server, const std::vector<std::string>& args);

 private:
  std::filesystem::path dir_;
  int runs_ = 0;
};

// The positions a command printed ("written: T:P:O T:P:O (version N)"), in the form
// --min-position takes.
std::vector<std::string> WrittenPositions(const std::string& command_output);

// A table's data rows, each with its cells joined by '|' (columns are separated by two
// or more spaces; empty cells vanish), without the header line.
std::vector<std::string> TableRows(const std::string& table);

struct StoryResult {
  std::string case_id;
  // Every position every command of the story printed: the events the services wrote.
  // Queries that pass them all as --min-position see the whole story.
  std::vector<std::string> written;
};

// Tells the story; each command goes to the service that owns it, and each command that
// depends on another service's write first waits for it there with a --min-position
// query. Records test failures (EXPECT) for anything unexpected.
StoryResult TellStory(Cli& cli, const Endpoints& endpoints);

// What a caseworker reads after the story, by name (deadlines of the case, the overdue
// list, the loads, the case, its trajectory); each query waits for `min_positions`.
std::map<std::string, std::string> Answers(Cli& cli, const Endpoints& endpoints,
                                           const std::string& case_id,
                                           const std::vector<std::string>& min_positions);

// Checks the answers against the hand-computed deadlines and loads.
void ExpectTheStorysDeadlinesAndLoads(const std::map<std::string, std::string>& answers,
                                      const std::string& case_id);

}  // namespace trappe::e2e
