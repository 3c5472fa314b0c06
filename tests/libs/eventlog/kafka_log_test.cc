// Behaviour of the Kafka backend beyond the conformance suite: an unreachable or failing
// broker, and configuration that would break the log's guarantees.
#include "trappe/eventlog/kafka_log.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "backends.h"
#include "conformance_util.h"
#include "trappe/eventlog/kafka_mock_cluster.h"
#include "trappe/testing/status_matchers.h"
#include "trappe/testing/temp_dir.h"

namespace trappe::eventlog::testing {
namespace {

using std::chrono::milliseconds;

constexpr int16_t kProduceApiKey = 0;  // Kafka protocol: ProduceRequest

// A loopback port nobody listens on: bound by us, then released.
int UnusedLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    close(fd);
    return -1;
  }
  close(fd);
  return ntohs(address.sin_port);
}

// A one-broker mock cluster holding kTopic, and log options that point at it.
struct MockClusterWithTopic {
  std::unique_ptr<KafkaMockCluster> cluster;
  KafkaLogOptions options;
};
Result<MockClusterWithTopic> StartMockClusterWithTopic() {
  MockClusterWithTopic mock;
  TRAPPE_ASSIGN_OR_RETURN(mock.cluster, KafkaMockCluster::Start(1));
  TRAPPE_RETURN_IF_ERROR(mock.cluster->CreateTopic(kTopic, kPartitions));
  mock.options.bootstrap_servers = mock.cluster->bootstrap_servers();
  return mock;
}

int64_t Sum(const std::vector<int64_t>& v) {
  int64_t total = 0;
  for (int64_t x : v) total += x;
  return total;
}

TEST(KafkaLogTest, UnreachableBrokerGivesUnavailableInBoundedTimeAndNoFalseSuccess) {
  const int port = UnusedLoopbackPort();
  ASSERT_GT(port, 0);
  KafkaLogOptions options;
  options.bootstrap_servers = "127.0.0.1:" + std::to_string(port);
  options.delivery_timeout = milliseconds(500);
  options.operation_timeout = milliseconds(500);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> log, OpenKafkaLog(options));

  auto appended =
      log->Append(kCaseEventsTopic, {MakeRecord("0657/case-1", "must not be acknowledged")});
  EXPECT_STATUS(appended, StatusCode::kUnavailable, options.bootstrap_servers);
  EXPECT_FALSE(appended.ok());
  EXPECT_STATUS(log->PartitionCount(kCaseEventsTopic), StatusCode::kUnavailable, "");
  EXPECT_STATUS(log->EndOffsets(kCaseEventsTopic), StatusCode::kUnavailable, "");
  EXPECT_STATUS(log->Subscribe({{std::string(kCaseEventsTopic), 0, 0}}), StatusCode::kUnavailable,
                "");
  log->Close();
}

TEST(KafkaLogTest, DeliveryFailureIsReturnedToTheAppenderAndNothingIsWritten) {
  ASSERT_OK_AND_ASSIGN(MockClusterWithTopic mock, StartMockClusterWithTopic());
  mock.options.delivery_timeout = milliseconds(1000);
  // Reconnect quickly once the broker is back (librdkafka backs off up to 10 s by default).
  mock.options.properties = {{"reconnect.backoff.ms", "20"}, {"reconnect.backoff.max.ms", "100"}};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> log, OpenKafkaLog(mock.options));
  ASSERT_OK(log->Append(kTopic, {MakeRecord("0657/case-1", "before")}));

  // The broker goes away after the log has learnt the topic: the records are queued,
  // time out, and the append reports it.
  ASSERT_OK(mock.cluster->SetBrokerDown(-1));
  auto failed = log->Append(
      kTopic, {MakeRecord("0657/case-1", "lost-1"), MakeRecord("0657/case-2", "lost-2")});
  EXPECT_STATUS(failed, StatusCode::kUnavailable, "append to " + std::string(kTopic) + " failed");
  ASSERT_OK(mock.cluster->SetBrokerUp(-1));

  // Once the broker is back, appends succeed again (after librdkafka reconnects).
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  Result<std::vector<Position>> after = Unavailable("not tried");
  while (!after.ok() && std::chrono::steady_clock::now() < deadline) {
    after = log->Append(kTopic, {MakeRecord("0657/case-1", "after")});
  }
  ASSERT_OK(after);
  ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> read, ReadAll(*log, kTopic));
  for (const StoredRecord& r : read)
    EXPECT_EQ(r.value.rfind("lost", 0), std::string::npos) << r.value;
}

TEST(KafkaLogTest, BrokerRejectionIsReturnedNotDropped) {
  ASSERT_OK_AND_ASSIGN(MockClusterWithTopic mock, StartMockClusterWithTopic());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> log, OpenKafkaLog(mock.options));
  ASSERT_OK(log->PartitionCount(kTopic));

  rd_kafka_mock_push_request_errors(mock.cluster->native_handle(), kProduceApiKey, 1,
                                    RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
  EXPECT_STATUS(log->Append(kTopic, {MakeRecord("0657/case-1", "refused")}),
                StatusCode::kPermissionDenied, "append to");
  ASSERT_OK_AND_ASSIGN(std::vector<int64_t> ends, log->EndOffsets(kTopic));
  EXPECT_EQ(Sum(ends), 0);
}

TEST(KafkaLogTest, RetriedProduceIsWrittenExactlyOnce) {
  ASSERT_OK_AND_ASSIGN(MockClusterWithTopic mock, StartMockClusterWithTopic());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> log, OpenKafkaLog(mock.options));
  ASSERT_OK(log->PartitionCount(kTopic));

  // Retriable errors: the idempotent producer retries; the record lands once.
  rd_kafka_mock_push_request_errors(
      mock.cluster->native_handle(), kProduceApiKey, 3, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
      RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS);
  ASSERT_OK_AND_ASSIGN(std::vector<Position> positions,
                       log->Append(kTopic, {MakeRecord("0657/case-1", "once")}));
  EXPECT_EQ(positions[0].offset, 0);
  ASSERT_OK_AND_ASSIGN(std::vector<int64_t> ends, log->EndOffsets(kTopic));
  EXPECT_EQ(Sum(ends), 1);
}

// A Kafka log's copies are the cluster's (replicas, the cluster's own backups): the
// process that uses it has nothing to copy and says so rather than writing a partial copy.
TEST(KafkaLogTest, BackupIsRefusedAsTheClustersToKeep) {
  ASSERT_OK_AND_ASSIGN(MockClusterWithTopic mock, StartMockClusterWithTopic());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> log, OpenKafkaLog(mock.options));
  trappe::testing::TempDir dir;
  EXPECT_STATUS(log->Backup(dir.Sub("backup")), StatusCode::kUnimplemented, "cluster");
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("backup")));
}

TEST(KafkaLogTest, PropertiesThatWouldBreakTheGuaranteesAreRefused) {
  KafkaLogOptions options;
  options.bootstrap_servers = "127.0.0.1:9";
  for (const char* name : {"enable.idempotence", "acks", "enable.auto.commit", "auto.offset.reset",
                           "transactional.id", "bootstrap.servers"}) {
    KafkaLogOptions bad = options;
    bad.properties[name] = "x";
    EXPECT_STATUS(OpenKafkaLog(bad), StatusCode::kInvalidArgument, name);
  }
  KafkaLogOptions consumer_only = options;
  consumer_only.consumer_properties["enable.auto.commit"] = "true";
  EXPECT_STATUS(OpenKafkaLog(consumer_only), StatusCode::kInvalidArgument, "enable.auto.commit");
}

TEST(KafkaLogTest, UnknownOrBadPropertiesAreInvalidArguments) {
  KafkaLogOptions options;
  options.bootstrap_servers = "127.0.0.1:9";
  options.properties["no.such.property"] = "1";
  EXPECT_STATUS(OpenKafkaLog(options), StatusCode::kInvalidArgument, "no.such.property");
  KafkaLogOptions bad_value;
  bad_value.bootstrap_servers = "127.0.0.1:9";
  bad_value.properties["security.protocol"] = "carrier-pigeon";
  EXPECT_STATUS(OpenKafkaLog(bad_value), StatusCode::kInvalidArgument, "security.protocol");
  KafkaLogOptions no_servers;
  EXPECT_STATUS(OpenKafkaLog(no_servers), StatusCode::kInvalidArgument, "bootstrap_servers");
}

TEST(KafkaLogTest, SecurityPropertiesArePassedThrough) {
  // librdkafka checks SASL/SSL properties when the client is created: a full set opens
  // (the broker is never contacted here), a wrong mechanism does not.
  KafkaLogOptions options;
  options.bootstrap_servers = "127.0.0.1:9";
  options.properties = {{"security.protocol", "SASL_PLAINTEXT"},
                        {"sasl.mechanism", "SCRAM-SHA-512"},
                        {"sasl.username", "trappe"},
                        {"sasl.password", "secret"}};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> log, OpenKafkaLog(options));
  log->Close();
  options.properties["sasl.mechanism"] = "NO-SUCH-MECHANISM";
  EXPECT_STATUS(OpenKafkaLog(options), StatusCode::kInvalidArgument, "");
}

TEST(KafkaLogTest, OversizedRecordIsRefusedBeforeAnythingIsWritten) {
  ASSERT_OK_AND_ASSIGN(MockClusterWithTopic mock, StartMockClusterWithTopic());
  mock.options.producer_properties["message.max.bytes"] = "10000";
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> log, OpenKafkaLog(mock.options));
  EXPECT_STATUS(log->Append(kTopic, {MakeRecord("0657/case-1", "fits"),
                                     MakeRecord("0657/case-1", std::string(20000, 'x'))}),
                StatusCode::kInvalidArgument, "records[1]");
  ASSERT_OK_AND_ASSIGN(std::vector<int64_t> ends, log->EndOffsets(kTopic));
  EXPECT_EQ(Sum(ends), 0);
}

}  // namespace
}  // namespace trappe::eventlog::testing
