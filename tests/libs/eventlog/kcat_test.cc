// A real Kafka client (kcat) against the dev broker: it must read exactly what the Kafka
// backend appended, and its murmur2 partitioner must agree with PartitionForKey.
// Also the dev broker's contract: bootstrap address on stdout's first line, exit on
// SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "conformance_util.h"
#include "subprocess.h"
#include "trappe/eventlog/kafka_log.h"
#include "trappe/testing/status_matchers.h"
#include "trappe/testing/temp_dir.h"

namespace trappe::eventlog::testing {
namespace {

using std::chrono::seconds;

constexpr int32_t kBrokerPartitions = 3;

// Starts the dev broker binary and reads its bootstrap address.
class DevBroker {
 public:
  Status Start(const std::vector<std::string>& extra_args = {}) {
    std::vector<std::string> argv = {TRAPPE_DEVBROKER_PATH,
                                      "--partitions=" + std::to_string(kBrokerPartitions)};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    TRAPPE_ASSIGN_OR_RETURN(process_, Subprocess::Start(argv));
    TRAPPE_ASSIGN_OR_RETURN(bootstrap_, process_->ReadLine(kPatience));
    return Status::Ok();
  }
  const std::string& bootstrap() const { return bootstrap_; }
  Subprocess& process() { return *process_; }

 private:
  std::unique_ptr<Subprocess> process_;
  std::string bootstrap_;
};

std::string Kcat() {
  const std::string kcat = FindOnPath("kcat");
  if (kcat.empty()) {
    ADD_FAILURE() << "kcat is not installed: it is the reference Kafka client for this test "
                     "(Debian package kcat; tools/setup.sh installs it)";
  }
  return kcat;
}

// kcat's view of a record: key|partition|offset|value|headers ("k=v,k=v").
struct Seen {
  std::string key;
  int32_t partition;
  int64_t offset;
  std::string value;
  std::string headers;
  friend bool operator<(const Seen& a, const Seen& b) {
    return std::tie(a.partition, a.offset) < std::tie(b.partition, b.offset);
  }
  friend bool operator==(const Seen& a, const Seen& b) {
    return std::tie(a.key, a.partition, a.offset, a.value, a.headers) ==
           std::tie(b.key, b.partition, b.offset, b.value, b.headers);
  }
  friend std::ostream& operator<<(std::ostream& os, const Seen& s) {
    return os << s.key << "|" << s.partition << "|" << s.offset << "|" << s.value << "|" << s.headers;
  }
};

// "127.0.0.1:PORT[,127.0.0.1:PORT...]"
bool IsLoopbackBootstrapList(const std::string& text) {
  std::istringstream list(text);
  std::string server;
  int count = 0;
  while (std::getline(list, server, ',')) {
    const std::string prefix = "127.0.0.1:";
    if (server.rfind(prefix, 0) != 0 || server.size() == prefix.size()) return false;
    for (char c : server.substr(prefix.size())) {
      if (c < '0' || c > '9') return false;
    }
    ++count;
  }
  return count > 0;
}

TEST(DevBrokerTest, PrintsItsBootstrapAddressAndStopsOnSigterm) {
  DevBroker broker;
  ASSERT_OK(broker.Start({"--topic=trappe.extra.v1:5"}));
  EXPECT_TRUE(IsLoopbackBootstrapList(broker.bootstrap())) << broker.bootstrap();

  KafkaLogOptions options;
  options.bootstrap_servers = broker.bootstrap();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> log, OpenKafkaLog(options));
  for (std::string_view topic : {kCaseEventsTopic, kOrgEventsTopic}) {
    ASSERT_OK_AND_ASSIGN(int32_t partitions, log->PartitionCount(topic));
    EXPECT_EQ(partitions, kBrokerPartitions) << topic;
  }
  ASSERT_OK_AND_ASSIGN(int32_t extra, log->PartitionCount("trappe.extra.v1"));
  EXPECT_EQ(extra, 5);
  log->Close();

  broker.process().Signal(SIGTERM);
  ASSERT_OK_AND_ASSIGN(int code, broker.process().Wait(std::chrono::milliseconds(kPatience)));
  EXPECT_EQ(code, 0);
}

TEST(DevBrokerTest, RejectsUnknownArguments) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Subprocess> p,
                       Subprocess::Start({TRAPPE_DEVBROKER_PATH, "--partitions=many"}));
  ASSERT_OK_AND_ASSIGN(int code, p->Wait(std::chrono::milliseconds(kPatience)));
  EXPECT_EQ(code, 2);
}

TEST(KcatTest, KcatReadsTheKeysPartitionsValuesAndHeadersTheLogAppended) {
  const std::string kcat = Kcat();
  if (kcat.empty()) return;
  DevBroker broker;
  ASSERT_OK(broker.Start());
  KafkaLogOptions options;
  options.bootstrap_servers = broker.bootstrap();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> log, OpenKafkaLog(options));

  std::vector<Record> records;
  for (int i = 0; i < 30; ++i) {
    records.push_back(MakeRecord("0657/case-" + std::to_string(i % 7), "envelope-" + std::to_string(i),
                                 {{"event_type", "trappe.cases.v1.CaseOpened"},
                                  {"tenant", "0657"},
                                  {"schema_version", std::to_string(1 + i % 2)}}));
  }
  const std::vector<Record> sent = records;
  ASSERT_OK_AND_ASSIGN(std::vector<Position> positions, log->Append(kCaseEventsTopic, std::move(records)));
  log->Close();

  std::vector<Seen> expected;
  for (size_t i = 0; i < sent.size(); ++i) {
    std::string headers;
    for (const Header& h : sent[i].headers) headers += (headers.empty() ? "" : ",") + h.key + "=" + h.value;
    expected.push_back({sent[i].key, positions[i].partition, positions[i].offset, sent[i].value, headers});
    EXPECT_EQ(positions[i].partition, PartitionForKey(sent[i].key, kBrokerPartitions));
  }

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Subprocess> consumer,
                       Subprocess::Start({kcat, "-b", broker.bootstrap(), "-C", "-t",
                                          std::string(kCaseEventsTopic), "-o", "beginning", "-e", "-q",
                                          "-m", "10", "-f", "%k|%p|%o|%s|%h\\n"}));
  ASSERT_OK_AND_ASSIGN(std::string output, consumer->ReadToEnd(kPatience));
  ASSERT_OK_AND_ASSIGN(int code, consumer->Wait(std::chrono::milliseconds(kPatience)));
  EXPECT_EQ(code, 0) << output;

  std::vector<Seen> seen;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    std::vector<std::string> fields;
    std::istringstream parts(line);
    std::string field;
    while (std::getline(parts, field, '|')) fields.push_back(field);
    if (fields.size() == 4) fields.emplace_back();  // no headers
    ASSERT_EQ(fields.size(), 5u) << line;
    seen.push_back({fields[0], std::stoi(fields[1]), std::stoll(fields[2]), fields[3], fields[4]});
  }
  std::sort(expected.begin(), expected.end());
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, expected);
}

TEST(KcatTest, KcatsMurmur2PartitionerPlacesKeysWhereTheLogDoes) {
  const std::string kcat = Kcat();
  if (kcat.empty()) return;
  DevBroker broker;
  ASSERT_OK(broker.Start());

  // kcat produces keyed records with librdkafka's murmur2 partitioner (the Java client's).
  std::vector<std::string> keys;
  std::vector<std::string> argv = {kcat, "-b", broker.bootstrap(), "-P", "-t", std::string(kOrgEventsTopic),
                                   "-X", "topic.partitioner=murmur2", "-m", "10"};
  for (int i = 0; i < 40; ++i) keys.push_back("0657/team-" + std::to_string(i));
  // kcat -P reads stdin; -l reads a file: write the keys (as key and value) to one.
  trappe::testing::TempDir dir;
  const std::string file = dir.Sub("records");
  {
    std::ofstream out(file);
    for (const std::string& k : keys) out << k << "\t" << k << "\n";
  }
  argv.insert(argv.end(), {"-K", "\\t", "-l", file});
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Subprocess> producer, Subprocess::Start(argv));
  ASSERT_OK_AND_ASSIGN(int code, producer->Wait(std::chrono::milliseconds(kPatience)));
  ASSERT_EQ(code, 0);

  KafkaLogOptions options;
  options.bootstrap_servers = broker.bootstrap();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> log, OpenKafkaLog(options));
  ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> read, ReadAll(*log, kOrgEventsTopic));
  ASSERT_EQ(read.size(), keys.size());
  for (const StoredRecord& r : read) {
    EXPECT_EQ(r.position.partition, PartitionForKey(r.key, kBrokerPartitions)) << r.key;
    EXPECT_EQ(r.value, r.key);
  }
  log->Close();
}

}  // namespace
}  // namespace trappe::eventlog::testing
