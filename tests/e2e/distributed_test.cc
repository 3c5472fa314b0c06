// The distributed deployment on one machine: the Kafka dev broker (librdkafka's mock
// cluster, the real Kafka protocol) and the four services, each its own process with its
// own data dir. The CLI sends each command to the service that owns it and reads across
// services with --min-position; kcat, a Kafka client that is not Trappe's, then finds every
// event the services reported writing in Kafka, exactly once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>

#include "servers.h"
#include "story.h"
#include "trappe/events/v1/envelope.pb.h"
#include "trappe/testing/status_matchers.h"
#include "trappe/testing/temp_dir.h"

namespace trappe::e2e {
namespace {

// A record as kcat printed it.
struct KafkaRecord {
  std::string position;  // topic:partition:offset, as the CLI prints positions
  std::string key;
  std::string value;
};

// Every record of `topic`, read by kcat from the beginning to the current end. kcat prints
// a line "partition offset value-size key-size" before each key and value, so binary
// values (the protobuf envelope) parse exactly.
Result<std::vector<KafkaRecord>> ReadTopicWithKcat(const std::string& bootstrap,
                                                   const std::string& topic,
                                                   const std::filesystem::path& output_dir) {
  const std::string kcat = testing::FindOnPath("kcat");
  if (kcat.empty()) return NotFound("kcat is not installed (Debian package kcat)");
  testing::ProcessOptions options;
  options.argv = {kcat, "-C",        "-b", bootstrap, "-t", topic,
                  "-o", "beginning", "-e", "-q",      "-f", "%p %o %S %K\\n%k%s"};
  options.output_dir = output_dir;
  TRAPPE_ASSIGN_OR_RETURN(const testing::RunResult run,
                          testing::RunToCompletion(std::move(options), testing::Within(kPatience)));
  if (!run.exit.ExitedWith(0)) return Internal("kcat: " + run.exit.ToString() + ": " + run.err);
  std::vector<KafkaRecord> records;
  size_t at = 0;
  while (at < run.out.size()) {
    const size_t newline = run.out.find('\n', at);
    if (newline == std::string::npos) return Internal("kcat: a truncated record header");
    std::istringstream header(run.out.substr(at, newline - at));
    int64_t partition = 0, offset = 0, value_size = 0, key_size = 0;
    if (!(header >> partition >> offset >> value_size >> key_size) || value_size < 0 ||
        key_size < 0 || newline + 1 + key_size + value_size > run.out.size()) {
      return Internal("kcat: cannot parse '" + run.out.substr(at, newline - at) + "'");
    }
    KafkaRecord record;
    record.position = topic + ":" + std::to_string(partition) + ":" + std::to_string(offset);
    record.key = run.out.substr(newline + 1, key_size);
    record.value = run.out.substr(newline + 1 + key_size, value_size);
    records.push_back(std::move(record));
    at = newline + 1 + key_size + value_size;
  }
  return records;
}

TEST(DistributedE2E, FourServicesOnKafkaTellTheStoryAndKafkaHoldsEveryEventExactlyOnce) {
  testing::TempDir dir;
  Cli cli(dir.path() / "cli");
  ASSERT_OK_AND_ASSIGN(RunningBroker broker, StartDevBroker(4, dir.path() / "broker"));
  const std::string log = "kafka://" + broker.bootstrap;
  const std::string key_file = dir.Sub("master.key");
  std::ofstream(key_file) << std::string(64, 'a') << "\n";

  const auto start = [&](const std::string& target, const std::string& health,
                         std::vector<std::string> extra) {
    std::vector<std::string> args = {"--target", target,       "--log",
                                     log,        "--data-dir", dir.Sub(target + "-data")};
    args.insert(args.end(), extra.begin(), extra.end());
    return StartServer(TRAPPE_SERVER_BINARY, args, dir.path() / target, {health});
  };
  ASSERT_OK_AND_ASSIGN(RunningServer workload, start("workload", kWorkloadService, {}));
  ASSERT_OK_AND_ASSIGN(RunningServer cases, start("cases", kCasesService,
                                                  {"--workload-address", workload.address,
                                                   "--master-key-file", key_file}));
  ASSERT_OK_AND_ASSIGN(RunningServer placements, start("placements", kPlacementsService, {}));
  ASSERT_OK_AND_ASSIGN(RunningServer scheduling, start("scheduling", kSchedulingService, {}));
  const Endpoints at{.workload = workload.address,
                     .cases = cases.address,
                     .placements = placements.address,
                     .scheduling = scheduling.address};

  const StoryResult story = TellStory(cli, at);
  ASSERT_FALSE(::testing::Test::HasFailure());
  ExpectTheStorysDeadlinesAndLoads(Answers(cli, at, story.case_id, story.written), story.case_id);

  // Every event a service reported writing is in Kafka once: the positions kcat reads are
  // exactly the reported ones, and no event id occurs twice (a producer retry that wrote
  // a record twice would repeat one). The retried command above wrote nothing.
  std::set<std::string> reported(story.written.begin(), story.written.end());
  ASSERT_EQ(reported.size(), story.written.size()) << "a position was reported twice";
  std::set<std::string> seen_positions;
  std::set<std::string> event_ids;
  size_t records = 0;
  std::map<std::string, size_t> per_topic;
  for (const std::string topic : {"trappe.org-events.v1", "trappe.case-events.v1"}) {
    ASSERT_OK_AND_ASSIGN(
        const std::vector<KafkaRecord> read,
        ReadTopicWithKcat(broker.bootstrap, topic, dir.path() / ("kcat-" + topic)));
    EXPECT_FALSE(read.empty()) << topic;
    for (const KafkaRecord& record : read) {
      events::v1::EventEnvelope envelope;
      ASSERT_TRUE(envelope.ParseFromString(record.value)) << record.position;
      EXPECT_EQ(envelope.tenant(), "0657") << record.position;
      EXPECT_EQ(record.key.rfind("0657/", 0), 0u) << record.position << " key " << record.key;
      event_ids.insert(envelope.event_id());
      seen_positions.insert(record.position);
      ++records;
      ++per_topic[topic];
    }
  }
  EXPECT_EQ(records, story.written.size());
  // Four org events (municipality, team, two caseworkers); eight case events (opened,
  // primary assigned, grade assessed, co-worker assigned, placement, two follow-ups, plan).
  EXPECT_EQ(per_topic["trappe.org-events.v1"], 4u);
  EXPECT_EQ(per_topic["trappe.case-events.v1"], 8u);
  EXPECT_EQ(event_ids.size(), records) << "an event id occurs more than once";
  EXPECT_EQ(seen_positions, reported);

  // Each service says it applied every record of the topics it reads, once, and skipped none.
  for (const auto& [address, expected] : std::vector<std::pair<std::string, size_t>>{
           {workload.address, records},
           {cases.address, per_topic["trappe.case-events.v1"]},
           {placements.address, records},
           {scheduling.address, records}}) {
    const testing::RunResult status = cli.MustRun(address, {"status"});
    const std::vector<std::string> rows = TableRows(status.out);
    ASSERT_EQ(rows.size(), 1u) << status.out;
    EXPECT_THAT(rows[0], ::testing::MatchesRegex("[a-z]+[|]yes[|]" + std::to_string(expected) +
                                                 "[|]0[|]0[|][0-9a-f]+"))
        << status.out;
  }

  for (RunningServer* service : {&scheduling, &placements, &cases, &workload}) {
    ASSERT_OK_AND_ASSIGN(const testing::ExitStatus stopped, service->process->Terminate(kPatience));
    EXPECT_TRUE(stopped.ExitedWith(0)) << service->address << ": " << stopped;
  }
  ASSERT_OK_AND_ASSIGN(const testing::ExitStatus broker_stopped,
                       broker.process->Terminate(kPatience));
  EXPECT_TRUE(broker_stopped.ExitedWith(0)) << broker_stopped;
}

}  // namespace
}  // namespace trappe::e2e
