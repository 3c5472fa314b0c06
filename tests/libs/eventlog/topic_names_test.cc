// Physical topic names: two environments share one Kafka cluster by mapping the logical
// topics to topics of their own, and callers only ever see the logical names.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "conformance_util.h"
#include "trappe/eventlog/kafka_log.h"
#include "trappe/eventlog/kafka_mock_cluster.h"
#include "trappe/eventlog/open.h"
#include "trappe/testing/status_matchers.h"

namespace trappe::eventlog::testing {
namespace {

const std::string kCases(kCaseEventsTopic);
const std::string kOrg(kOrgEventsTopic);

TEST(KafkaTopicNamesTest, UrlParametersMapTheLogicalTopics) {
  ASSERT_OK_AND_ASSIGN(
      EventLogConfig named,
      ParseEventLogUrl("kafka://k0:9092?topic.case-events=prod.cases"
                       "&topic.org-events=prod.org&topic.metadata.refresh.interval.ms=5000"));
  EXPECT_EQ(named.kafka.topic_names.at(kCases), "prod.cases");
  EXPECT_EQ(named.kafka.topic_names.at(kOrg), "prod.org");
  EXPECT_EQ(named.kafka.topic_prefix, "");
  // librdkafka's own topic.* properties still pass through.
  EXPECT_EQ(named.kafka.properties.at("topic.metadata.refresh.interval.ms"), "5000");

  ASSERT_OK_AND_ASSIGN(EventLogConfig prefixed,
                       ParseEventLogUrl("kafka://k0:9092?topic.prefix=staging."));
  EXPECT_EQ(prefixed.kafka.topic_prefix, "staging.");
  EXPECT_TRUE(prefixed.kafka.topic_names.empty());
}

TEST(KafkaTopicNamesTest, TwoEnvironmentsShareOneClusterWithoutSeeingEachOther) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<KafkaMockCluster> cluster, KafkaMockCluster::Start(1));
  ASSERT_OK(cluster->CreateTopic("staging." + kCases, 2));
  ASSERT_OK(cluster->CreateTopic("staging." + kOrg, 2));
  ASSERT_OK(cluster->CreateTopic("prod-cases", 3));
  ASSERT_OK(cluster->CreateTopic("prod-org", 3));

  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<EventLog> staging,
      OpenEventLog("kafka://" + cluster->bootstrap_servers() + "?topic.prefix=staging."));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> prod,
                       OpenEventLog("kafka://" + cluster->bootstrap_servers() +
                                    "?topic.case-events=prod-cases&topic.org-events=prod-org"));

  ASSERT_OK_AND_ASSIGN(
      std::vector<Position> written,
      staging->Append(kCaseEventsTopic, {MakeRecord("0657/case-1", "staging case")}));
  EXPECT_EQ(written[0].topic, kCases);  // positions carry the logical name
  ASSERT_OK(staging->Append(kOrgEventsTopic, {MakeRecord("0657/team-1", "staging team")}));
  ASSERT_OK(prod->Append(kCaseEventsTopic, {MakeRecord("0657/case-1", "prod case 1"),
                                            MakeRecord("0657/case-2", "prod case 2")}));

  EXPECT_EQ(*staging->PartitionCount(kCaseEventsTopic), 2);
  EXPECT_EQ(*prod->PartitionCount(kCaseEventsTopic), 3);

  ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> staging_cases,
                       ReadAll(*staging, kCaseEventsTopic));
  ASSERT_EQ(staging_cases.size(), 1u);
  EXPECT_EQ(staging_cases[0].value, "staging case");
  EXPECT_EQ(staging_cases[0].position.topic, kCases);

  ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> prod_cases, ReadAll(*prod, kCaseEventsTopic));
  ASSERT_EQ(prod_cases.size(), 2u);
  for (const StoredRecord& r : prod_cases) {
    EXPECT_EQ(r.value.rfind("prod case", 0), 0u) << r.value;
    EXPECT_EQ(r.position.topic, kCases);
  }
  ASSERT_OK_AND_ASSIGN(std::vector<StoredRecord> prod_org, ReadAll(*prod, kOrgEventsTopic));
  EXPECT_TRUE(prod_org.empty());

  // Without a mapping the logical topics themselves are looked for, and they do not exist.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> plain,
                       OpenEventLog("kafka://" + cluster->bootstrap_servers()));
  EXPECT_STATUS(plain->PartitionCount(kCaseEventsTopic), StatusCode::kNotFound, kCases);
  EXPECT_STATUS(prod->Append("trappe.audit.v1", {MakeRecord("0657/x", "y")}), StatusCode::kNotFound,
                "trappe.audit.v1");
}

TEST(KafkaTopicNamesTest, BadOrCollidingNamesAreRefused) {
  KafkaLogOptions options;
  options.bootstrap_servers = "127.0.0.1:9";
  KafkaLogOptions colliding = options;
  colliding.topic_names = {{kCases, "shared"}, {kOrg, "shared"}};
  EXPECT_STATUS(OpenKafkaLog(colliding), StatusCode::kInvalidArgument, "shared");

  KafkaLogOptions onto_other = options;
  onto_other.topic_names = {{kCases, kOrg}};  // trappe.org-events.v1 still holds the org topic
  EXPECT_STATUS(OpenKafkaLog(onto_other), StatusCode::kInvalidArgument, kOrg);

  KafkaLogOptions illegal = options;
  illegal.topic_names = {{kCases, "no spaces"}};
  EXPECT_STATUS(OpenKafkaLog(illegal), StatusCode::kInvalidArgument, "no spaces");

  KafkaLogOptions bad_prefix = options;
  bad_prefix.topic_prefix = "a/b";
  EXPECT_STATUS(OpenKafkaLog(bad_prefix), StatusCode::kInvalidArgument, "topic_prefix");
  EXPECT_STATUS(OpenEventLog("kafka://127.0.0.1:9?topic.case-events=x%20y"),
                StatusCode::kInvalidArgument, "x y");
}

}  // namespace
}  // namespace trappe::eventlog::testing
