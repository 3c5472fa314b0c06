// The configuration URL: embedded:... and kafka://... with librdkafka pass-through.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "conformance_util.h"
#include "trappe/eventlog/kafka_mock_cluster.h"
#include "trappe/eventlog/open.h"
#include "trappe/testing/status_matchers.h"
#include "trappe/testing/temp_dir.h"

namespace trappe::eventlog::testing {
namespace {

using Backend = EventLogConfig::Backend;

TEST(EventLogUrlTest, EmbeddedUrlsNameADirectory) {
  ASSERT_OK_AND_ASSIGN(EventLogConfig absolute, ParseEventLogUrl("embedded:///var/lib/trappe/log"));
  EXPECT_EQ(absolute.backend, Backend::kEmbedded);
  EXPECT_EQ(absolute.embedded.directory, "/var/lib/trappe/log");
  EXPECT_EQ(absolute.embedded.topics.size(), 2u);
  EXPECT_EQ(absolute.embedded.topics[0].partitions, kDefaultPartitionCount);

  ASSERT_OK_AND_ASSIGN(EventLogConfig relative, ParseEventLogUrl("embedded:data/log?partitions=3"));
  EXPECT_EQ(relative.embedded.directory, "data/log");
  EXPECT_EQ(relative.embedded.topics[0].partitions, 3);
  EXPECT_EQ(relative.embedded.topics[1].partitions, 3);

  ASSERT_OK_AND_ASSIGN(EventLogConfig escaped, ParseEventLogUrl("embedded:///srv/my%20log"));
  EXPECT_EQ(escaped.embedded.directory, "/srv/my log");

  EXPECT_EQ(absolute.embedded.wal_zero_ahead_bytes, uint64_t{4} << 20);
  ASSERT_OK_AND_ASSIGN(EventLogConfig no_zeros,
                       ParseEventLogUrl("embedded:///srv/log?wal.zero-ahead-bytes=0"));
  EXPECT_EQ(no_zeros.embedded.wal_zero_ahead_bytes, 0u);
  ASSERT_OK_AND_ASSIGN(EventLogConfig more_zeros,
                       ParseEventLogUrl("embedded:///srv/log?wal.zero-ahead-bytes=16777216"));
  EXPECT_EQ(more_zeros.embedded.wal_zero_ahead_bytes, uint64_t{16} << 20);
}

TEST(EventLogUrlTest, KafkaUrlsCarryServersTimeoutsAndLibrdkafkaProperties) {
  ASSERT_OK_AND_ASSIGN(
      EventLogConfig config,
      ParseEventLogUrl("kafka://k0:9093,k1:9093?security.protocol=SASL_SSL&sasl.mechanism=SCRAM-SHA-512"
                       "&sasl.username=trappe&ssl.ca.location=%2Fetc%2Fca.pem&message.timeout.ms=5000"
                       "&operation.timeout.ms=2500&client.id=cases-1&group.id=cases"
                       "&producer.linger.ms=5&consumer.fetch.wait.max.ms=50"));
  EXPECT_EQ(config.backend, Backend::kKafka);
  const KafkaLogOptions& k = config.kafka;
  EXPECT_EQ(k.bootstrap_servers, "k0:9093,k1:9093");
  EXPECT_EQ(k.properties.at("security.protocol"), "SASL_SSL");
  EXPECT_EQ(k.properties.at("sasl.mechanism"), "SCRAM-SHA-512");
  EXPECT_EQ(k.properties.at("sasl.username"), "trappe");
  EXPECT_EQ(k.properties.at("ssl.ca.location"), "/etc/ca.pem");
  EXPECT_EQ(k.delivery_timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(k.operation_timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(k.client_id, "cases-1");
  EXPECT_EQ(k.consumer_group_id, "cases");
  EXPECT_EQ(k.producer_properties.at("linger.ms"), "5");
  EXPECT_EQ(k.consumer_properties.at("fetch.wait.max.ms"), "50");
  EXPECT_EQ(k.properties.count("message.timeout.ms"), 0u);
}

TEST(EventLogUrlTest, PropertiesFileIsReadFirstAndTheUrlOverridesIt) {
  trappe::testing::TempDir dir;
  const std::string file = dir.Sub("kafka.properties");
  std::ofstream(file) << "# client settings\n"
                         "security.protocol = SASL_SSL\n"
                         "sasl.password=s3cret=with=equals\n"
                         "! another comment\n"
                         "\n"
                         "sasl.username=from-file\n";
  ASSERT_OK_AND_ASSIGN(EventLogConfig config,
                       ParseEventLogUrl("kafka://k0:9093?sasl.username=from-url&properties.file=" + file));
  EXPECT_EQ(config.kafka.properties.at("security.protocol"), "SASL_SSL");
  EXPECT_EQ(config.kafka.properties.at("sasl.password"), "s3cret=with=equals");
  EXPECT_EQ(config.kafka.properties.at("sasl.username"), "from-url");

  EXPECT_STATUS(ParseEventLogUrl("kafka://k0:9093?properties.file=" + dir.Sub("missing")),
                StatusCode::kNotFound, "missing");
}

TEST(EventLogUrlTest, BadUrlsAreRejectedNamingThePart) {
  EXPECT_STATUS(ParseEventLogUrl("postgres://db"), StatusCode::kInvalidArgument, "embedded: or kafka://");
  EXPECT_STATUS(ParseEventLogUrl("embedded:"), StatusCode::kInvalidArgument, "directory");
  EXPECT_STATUS(ParseEventLogUrl("embedded:///x?partitions=0"), StatusCode::kInvalidArgument, "partitions");
  EXPECT_STATUS(ParseEventLogUrl("embedded:///x?colour=blue"), StatusCode::kInvalidArgument, "colour");
  EXPECT_STATUS(ParseEventLogUrl("embedded:///x?wal.zero-ahead-bytes=4MiB"),
                StatusCode::kInvalidArgument, "wal.zero-ahead-bytes");
  EXPECT_STATUS(ParseEventLogUrl("embedded:///x?wal.zero-ahead-bytes=-1"),
                StatusCode::kInvalidArgument, "wal.zero-ahead-bytes");
  EXPECT_STATUS(ParseEventLogUrl("kafka://"), StatusCode::kInvalidArgument, "bootstrap servers");
  EXPECT_STATUS(ParseEventLogUrl("kafka://k:9092?message.timeout.ms=soon"), StatusCode::kInvalidArgument,
                "message.timeout.ms");
  EXPECT_STATUS(ParseEventLogUrl("kafka://k:9092?flag"), StatusCode::kInvalidArgument, "name=value");
  EXPECT_STATUS(ParseEventLogUrl("kafka://k:9092?a=%zz"), StatusCode::kInvalidArgument, "escape");
  EXPECT_STATUS(ParseEventLogUrl("kafka://k:9092?a=%2"), StatusCode::kInvalidArgument, "escape");
}

TEST(EventLogUrlTest, RedactionHidesSecrets) {
  EXPECT_EQ(RedactEventLogUrl("kafka://k:9093?sasl.username=u&sasl.password=p&ssl.key.password=q"),
            "kafka://k:9093?sasl.username=u&sasl.password=***&ssl.key.password=***");
  EXPECT_EQ(RedactEventLogUrl("embedded:///x"), "embedded:///x");
  EXPECT_STATUS(ParseEventLogUrl("nope://x?sasl.password=hunter2"), StatusCode::kInvalidArgument, "***");
}

TEST(EventLogUrlTest, OpenEventLogOpensEitherBackend) {
  trappe::testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> embedded,
                       OpenEventLog("embedded://" + dir.Sub("log") + "?partitions=2"));
  ASSERT_OK_AND_ASSIGN(int32_t partitions, embedded->PartitionCount(kCaseEventsTopic));
  EXPECT_EQ(partitions, 2);

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<KafkaMockCluster> cluster, KafkaMockCluster::Start(1));
  ASSERT_OK(cluster->CreateTrappeTopics(3));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> kafka,
                       OpenEventLog("kafka://" + cluster->bootstrap_servers() + "?client.id=url-test"));
  ASSERT_OK_AND_ASSIGN(int32_t kafka_partitions, kafka->PartitionCount(kOrgEventsTopic));
  EXPECT_EQ(kafka_partitions, 3);
  kafka->Close();
}

}  // namespace
}  // namespace trappe::eventlog::testing
