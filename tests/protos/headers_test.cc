// The helpers that turn an envelope into a log record: header names and values, topic and
// record key.
#include "trappe/events/headers.h"

#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include <string>

#include "trappe/events/v1/envelope.pb.h"

namespace trappe::events {
namespace {

using v1::AggregateType;
using v1::EventEnvelope;

EventEnvelope CaseOpenedInHerning() {
  EventEnvelope envelope;
  envelope.set_event_id("3b241101-e2bb-4255-8caf-4136c566a962");
  envelope.set_tenant("0657");
  envelope.set_aggregate_type(v1::AGGREGATE_TYPE_CASE);
  envelope.set_aggregate_id("case-1");
  envelope.set_aggregate_version(1);
  envelope.set_case_id("case-1");
  envelope.set_schema_version(kSchemaVersion);
  envelope.mutable_case_opened()->set_case_id("case-1");
  return envelope;
}

TEST(ProtoHeadersTest, HeaderNamesAreThePublishedOnes) {
  EXPECT_EQ(kEventTypeHeader, "trappe-event-type");
  EXPECT_EQ(kTenantHeader, "trappe-tenant");
  EXPECT_EQ(kSchemaVersionHeader, "trappe-schema-version");
  EXPECT_EQ(kSchemaVersion, 1u);
}

TEST(ProtoHeadersTest, HeadersRepeatTypeTenantAndSchemaVersion) {
  const std::array<KafkaHeader, 3> headers = KafkaHeaders(CaseOpenedInHerning());
  EXPECT_EQ(headers[0], (KafkaHeader{kEventTypeHeader, "trappe.cases.v1.CaseOpened"}));
  EXPECT_EQ(headers[1], (KafkaHeader{kTenantHeader, "0657"}));
  EXPECT_EQ(headers[2], (KafkaHeader{kSchemaVersionHeader, "1"}));
}

TEST(ProtoHeadersTest, EventTypeIsThePayloadsFullName) {
  EventEnvelope envelope = CaseOpenedInHerning();
  EXPECT_EQ(EventTypeName(envelope), "trappe.cases.v1.CaseOpened");
  envelope.mutable_weight_table_configured();
  EXPECT_EQ(EventTypeName(envelope), "trappe.workload.v1.WeightTableConfigured");
  envelope.clear_payload();
  EXPECT_EQ(EventTypeName(envelope), "");
  EXPECT_EQ(KafkaHeaders(envelope)[0].value, "");
}

TEST(ProtoHeadersTest, EveryAggregateTypeHasATopic) {
  const google::protobuf::EnumDescriptor* types = v1::AggregateType_descriptor();
  for (int i = 0; i < types->value_count(); ++i) {
    const auto type = static_cast<AggregateType>(types->value(i)->number());
    SCOPED_TRACE(types->value(i)->name());
    if (type == v1::AGGREGATE_TYPE_UNSPECIFIED) {
      EXPECT_EQ(TopicFor(type), "");
    } else {
      EXPECT_EQ(TopicFor(type), IsCaseAggregate(type) ? kCaseEventsTopic : kOrgEventsTopic);
    }
  }
  EXPECT_EQ(TopicFor(static_cast<AggregateType>(999)), "");
}

TEST(ProtoHeadersTest, CaseAggregatesGoToTheCaseTopic) {
  EXPECT_EQ(TopicFor(v1::AGGREGATE_TYPE_CASE), "trappe.case-events.v1");
  EXPECT_EQ(TopicFor(v1::AGGREGATE_TYPE_INTERVENTION), "trappe.case-events.v1");
  EXPECT_EQ(TopicFor(v1::AGGREGATE_TYPE_CHILD_PLAN), "trappe.case-events.v1");
  EXPECT_EQ(TopicFor(v1::AGGREGATE_TYPE_FOLLOW_UP_SCHEDULE), "trappe.case-events.v1");
  EXPECT_EQ(TopicFor(v1::AGGREGATE_TYPE_MUNICIPALITY), "trappe.org-events.v1");
  EXPECT_EQ(TopicFor(v1::AGGREGATE_TYPE_STAIRCASE), "trappe.org-events.v1");
  EXPECT_EQ(TopicFor(v1::AGGREGATE_TYPE_FOLLOW_UP_RULE_SET), "trappe.org-events.v1");
  EXPECT_EQ(TopicFor(v1::AGGREGATE_TYPE_WEIGHT_TABLE), "trappe.org-events.v1");
  EXPECT_EQ(TopicFor(v1::AGGREGATE_TYPE_TEAM), "trappe.org-events.v1");
  EXPECT_EQ(TopicFor(v1::AGGREGATE_TYPE_CASEWORKER), "trappe.org-events.v1");
}

TEST(ProtoHeadersTest, ACaseKeepsAllItsEventsUnderOneKey) {
  EventEnvelope intervention;
  intervention.set_tenant("0657");
  intervention.set_aggregate_type(v1::AGGREGATE_TYPE_INTERVENTION);
  intervention.set_aggregate_id("intervention-7");
  intervention.set_case_id("case-1");
  EXPECT_EQ(RecordKey(intervention), "0657/case-1");
  EXPECT_EQ(RecordKey(CaseOpenedInHerning()), "0657/case-1");

  EventEnvelope team;
  team.set_tenant("0657");
  team.set_aggregate_type(v1::AGGREGATE_TYPE_TEAM);
  team.set_aggregate_id("team-vest");
  EXPECT_EQ(RecordKey(team), "0657/team-vest");
}

}  // namespace
}  // namespace trappe::events
