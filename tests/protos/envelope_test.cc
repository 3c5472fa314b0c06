// Every event payload survives a trip through the envelope's wire format with every field
// set, and the envelope keeps the field numbers other systems rely on. The payloads are
// found through the descriptor of the envelope's oneof, so a new payload is covered the
// moment it is added.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "trappe/events/headers.h"
#include "trappe/events/v1/envelope.pb.h"

namespace trappe {
namespace {

using events::v1::EventEnvelope;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::OneofDescriptor;
using google::protobuf::Reflection;
using google::protobuf::util::MessageDifferencer;

constexpr int kMaxDepth = 8;

const OneofDescriptor* PayloadOneof() {
  return EventEnvelope::descriptor()->FindOneofByName("payload");
}

std::vector<const FieldDescriptor*> PayloadFields() {
  std::vector<const FieldDescriptor*> fields;
  const OneofDescriptor* oneof = PayloadOneof();
  for (int i = 0; i < oneof->field_count(); ++i) fields.push_back(oneof->field(i));
  return fields;
}

// Which member of a real (not synthetic) oneof the filler sets: variant modulo its size.
bool IsChosenOneofMember(const FieldDescriptor* field, int variant) {
  const OneofDescriptor* oneof = field->real_containing_oneof();
  if (oneof == nullptr) return true;
  return field->index_in_oneof() == variant % oneof->field_count();
}

// The largest real oneof reachable from `type`: how many variants cover every member.
int MaxOneofSize(const Descriptor* type, int depth = 0) {
  if (depth > kMaxDepth) return 1;
  int size = 1;
  for (int i = 0; i < type->real_oneof_decl_count(); ++i) {
    size = std::max(size, type->oneof_decl(i)->field_count());
  }
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    if (field->message_type() != nullptr) {
      size = std::max(size, MaxOneofSize(field->message_type(), depth + 1));
    }
  }
  return size;
}

// A value for `field` that is not its default and differs from every value set before
// (so that, e.g., map keys never collide).
void SetScalar(Message* message, const FieldDescriptor* field, int* counter) {
  const Reflection* r = message->GetReflection();
  const int n = ++*counter;
  const bool rep = field->is_repeated();
  const std::string text = field->full_name() + "#" + std::to_string(n);
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      rep ? r->AddInt32(message, field, -n) : r->SetInt32(message, field, -n);
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      rep ? r->AddInt64(message, field, -5'000'000'000LL - n)
          : r->SetInt64(message, field, -5'000'000'000LL - n);
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      rep ? r->AddUInt32(message, field, n) : r->SetUInt32(message, field, n);
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      rep ? r->AddUInt64(message, field, 5'000'000'000ULL + n)
          : r->SetUInt64(message, field, 5'000'000'000ULL + n);
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      rep ? r->AddDouble(message, field, n + 0.25) : r->SetDouble(message, field, n + 0.25);
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      rep ? r->AddFloat(message, field, n + 0.5f) : r->SetFloat(message, field, n + 0.5f);
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      rep ? r->AddBool(message, field, true) : r->SetBool(message, field, true);
      break;
    case FieldDescriptor::CPPTYPE_ENUM: {
      // The last value: never the zero (UNSPECIFIED) one when the enum has another.
      const auto* value = field->enum_type()->value(field->enum_type()->value_count() - 1);
      rep ? r->AddEnum(message, field, value) : r->SetEnum(message, field, value);
      break;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      // Bytes fields get bytes that are not valid UTF-8, to prove they stay bytes.
      const std::string value =
          field->type() == FieldDescriptor::TYPE_BYTES ? std::string("\x00\xff", 2) + text : text;
      rep ? r->AddString(message, field, value) : r->SetString(message, field, value);
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      ADD_FAILURE() << "not a scalar: " << field->full_name();
      break;
  }
}

// Sets every field of `message` (two elements in repeated fields, one member of each
// oneof, chosen by `variant`), recursively.
void Fill(Message* message, int variant, int* counter, int depth = 0) {
  if (depth > kMaxDepth) {
    ADD_FAILURE() << "messages nest deeper than " << kMaxDepth << " at "
                  << message->GetDescriptor()->full_name();
    return;
  }
  const Descriptor* type = message->GetDescriptor();
  const Reflection* r = message->GetReflection();
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    if (!IsChosenOneofMember(field, variant)) continue;
    const int copies = field->is_repeated() ? 2 : 1;
    for (int c = 0; c < copies; ++c) {
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        Message* child = field->is_repeated() ? r->AddMessage(message, field)
                                              : r->MutableMessage(message, field);
        Fill(child, variant + c, counter, depth + 1);
      } else {
        SetScalar(message, field, counter);
      }
    }
  }
}

// Fails for every field of `message` (recursively) left at its default, so a filler
// that skips a kind of field cannot make the round trip pass vacuously.
void ExpectFullyPopulated(const Message& message, const std::string& path) {
  const Descriptor* type = message.GetDescriptor();
  const Reflection* r = message.GetReflection();
  for (int i = 0; i < type->real_oneof_decl_count(); ++i) {
    EXPECT_TRUE(r->HasOneof(message, type->oneof_decl(i)))
        << path << "." << type->oneof_decl(i)->name() << " has no member set";
  }
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    const std::string where = path + "." + field->name();
    if (field->real_containing_oneof() != nullptr && !r->HasField(message, field)) continue;
    if (field->is_repeated()) {
      EXPECT_GT(r->FieldSize(message, field), 0) << where << " is empty";
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        for (int k = 0; k < r->FieldSize(message, field); ++k) {
          ExpectFullyPopulated(r->GetRepeatedMessage(message, field, k), where);
        }
      }
      continue;
    }
    EXPECT_TRUE(r->HasField(message, field)) << where << " is not set";
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && r->HasField(message, field)) {
      ExpectFullyPopulated(r->GetMessage(message, field), where);
    }
  }
}

// The envelope's own fields, every one set; no payload.
EventEnvelope FilledEnvelopeWithoutPayload() {
  EventEnvelope envelope;
  int counter = 0;
  Fill(&envelope, 0, &counter);
  envelope.clear_payload();
  return envelope;
}

std::string SnakeCase(const std::string& camel) {
  std::string out;
  for (char c : camel) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      if (!out.empty()) out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

TEST(ProtoEnvelopeTest, EveryPayloadRoundTripsWithEveryFieldSet) {
  const std::vector<const FieldDescriptor*> payloads = PayloadFields();
  ASSERT_FALSE(payloads.empty());
  for (const FieldDescriptor* payload : payloads) {
    SCOPED_TRACE(payload->full_name());
    ASSERT_EQ(payload->cpp_type(), FieldDescriptor::CPPTYPE_MESSAGE);
    EXPECT_GT(payload->message_type()->field_count(), 0) << "a payload without fields";
    const int variants = MaxOneofSize(payload->message_type());
    for (int variant = 0; variant < variants; ++variant) {
      SCOPED_TRACE("variant " + std::to_string(variant));
      EventEnvelope original = FilledEnvelopeWithoutPayload();
      Message* body = original.GetReflection()->MutableMessage(&original, payload);
      int counter = 1000;
      Fill(body, variant, &counter);
      ExpectFullyPopulated(original, "EventEnvelope");
      ASSERT_EQ(original.payload_case(), payload->number());

      std::string wire;
      ASSERT_TRUE(original.SerializeToString(&wire));
      EventEnvelope parsed;
      ASSERT_TRUE(parsed.ParseFromString(wire));

      std::string differences;
      MessageDifferencer differencer;
      differencer.ReportDifferencesToString(&differences);
      EXPECT_TRUE(differencer.Compare(original, parsed)) << differences;
      EXPECT_EQ(parsed.payload_case(), payload->number());
      EXPECT_TRUE(parsed.GetReflection()->GetUnknownFields(parsed).empty());
      EXPECT_EQ(events::EventTypeName(parsed), payload->message_type()->full_name());
    }
  }
}

TEST(ProtoEnvelopeTest, RoundTripDetectsALostField) {
  // The comparison the round trip relies on must notice a difference in a nested payload
  // field; otherwise the test above could never fail.
  EventEnvelope original = FilledEnvelopeWithoutPayload();
  int counter = 0;
  Fill(original.mutable_intervention_started(), 0, &counter);
  EventEnvelope changed = original;
  changed.mutable_intervention_started()->mutable_start_date()->set_day(
      original.intervention_started().start_date().day() + 1);
  EXPECT_FALSE(MessageDifferencer::Equals(original, changed));
}

TEST(ProtoEnvelopeTest, PayloadNumbersFollowTheAreas) {
  const std::map<int, std::string> area_by_hundred = {
      {1, "cases"}, {2, "placements"}, {3, "scheduling"}, {4, "workload"}};
  for (const FieldDescriptor* payload : PayloadFields()) {
    SCOPED_TRACE(payload->full_name());
    const auto area = area_by_hundred.find(payload->number() / 100);
    ASSERT_NE(area, area_by_hundred.end())
        << "number " << payload->number() << " is outside 100-499";
    const Descriptor* type = payload->message_type();
    EXPECT_EQ(type->file()->package(), "trappe." + area->second + ".v1");
    EXPECT_EQ(type->file()->name(), "trappe/" + area->second + "/v1/events.proto");
    EXPECT_EQ(type->containing_type(), nullptr) << "payloads are top-level messages";
    EXPECT_EQ(payload->name(), SnakeCase(type->name()))
        << "the oneof field is named after its message";
  }
}

TEST(ProtoEnvelopeTest, EveryPayloadMessageIsUsedOnce) {
  std::map<std::string, int> uses;
  for (const FieldDescriptor* payload : PayloadFields()) {
    ++uses[payload->message_type()->full_name()];
  }
  for (const auto& [name, count] : uses) EXPECT_EQ(count, 1) << name;
}

TEST(ProtoEnvelopeTest, CarriesTheEventsOfEveryService) {
  std::vector<std::string> names;
  for (const FieldDescriptor* payload : PayloadFields()) {
    names.push_back(payload->message_type()->full_name());
  }
  for (const char* expected : {
           "trappe.cases.v1.CaseOpened",
           "trappe.cases.v1.ReportOfConcernReceived",
           "trappe.cases.v1.ReportOfConcernAssessed",
           "trappe.cases.v1.InvestigationStarted",
           "trappe.cases.v1.InvestigationCompleted",
           "trappe.cases.v1.CaseworkerAssigned",
           "trappe.cases.v1.CaseworkerUnassigned",
           "trappe.cases.v1.CaseWeightAssessed",
           "trappe.cases.v1.CaseClosed",
           "trappe.cases.v1.CaseReopened",
           "trappe.cases.v1.PersonalDataErased",
           "trappe.placements.v1.StaircaseConfigured",
           "trappe.placements.v1.InterventionStarted",
           "trappe.placements.v1.InterventionChanged",
           "trappe.placements.v1.InterventionEnded",
           "trappe.placements.v1.ChildPlanApproved",
           "trappe.scheduling.v1.FollowUpRecorded",
           "trappe.scheduling.v1.ScheduleOverridden",
           "trappe.scheduling.v1.FollowUpRulesConfigured",
           "trappe.workload.v1.MunicipalityRegistered",
           "trappe.workload.v1.TeamCreated",
           "trappe.workload.v1.CaseworkerRegistered",
           "trappe.workload.v1.CaseworkerChanged",
           "trappe.workload.v1.WeightTableConfigured",
       }) {
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  }
}

TEST(ProtoEnvelopeTest, KeepsItsPublishedFieldNumbers) {
  // Other municipalities' systems decode these numbers; changing one breaks them.
  const std::map<std::string, int> published = {
      {"event_id", 1},
      {"tenant", 2},
      {"aggregate_type", 3},
      {"aggregate_id", 4},
      {"aggregate_version", 5},
      {"case_id", 6},
      {"recorded_at", 7},
      {"effective_date", 8},
      {"actor", 9},
      {"request_id", 10},
      {"correlation_id", 11},
      {"causation_id", 12},
      {"schema_version", 13},
  };
  const Descriptor* envelope = EventEnvelope::descriptor();
  for (const auto& [name, number] : published) {
    const FieldDescriptor* field = envelope->FindFieldByName(name);
    ASSERT_NE(field, nullptr) << name;
    EXPECT_EQ(field->number(), number) << name;
    EXPECT_EQ(field->containing_oneof(), nullptr) << name;
  }
  EXPECT_EQ(envelope->FindFieldByName("aggregate_version")->type(), FieldDescriptor::TYPE_UINT64);
  EXPECT_EQ(envelope->FindFieldByName("schema_version")->type(), FieldDescriptor::TYPE_UINT32);
  EXPECT_EQ(envelope->FindFieldByName("recorded_at")->message_type()->full_name(),
            "google.protobuf.Timestamp");
  EXPECT_EQ(envelope->FindFieldByName("effective_date")->message_type()->full_name(),
            "trappe.common.v1.Date");
  // Every other field belongs to the payload.
  for (int i = 0; i < envelope->field_count(); ++i) {
    const FieldDescriptor* field = envelope->field(i);
    if (published.count(field->name()) == 0) {
      EXPECT_EQ(field->containing_oneof(), PayloadOneof()) << field->name();
    }
  }
}

TEST(ProtoEnvelopeTest, AConsumerSkipsAPayloadItDoesNotKnow) {
  // A newer producer's payload (here field 499, unknown to this build) must still parse:
  // the consumer sees no payload, keeps the bytes, and can count and skip the record.
  EventEnvelope known = FilledEnvelopeWithoutPayload();
  std::string wire;
  ASSERT_TRUE(known.SerializeToString(&wire));
  // Field 499, wire type 2 (length-delimited): tag = 499 << 3 | 2 = 3994 = 0x9a 0x1f.
  wire += std::string("\x9a\x1f\x03\x0a\x01x", 6);

  EventEnvelope parsed;
  ASSERT_TRUE(parsed.ParseFromString(wire));
  EXPECT_EQ(parsed.payload_case(), EventEnvelope::PAYLOAD_NOT_SET);
  EXPECT_EQ(events::EventTypeName(parsed), "");
  EXPECT_EQ(parsed.tenant(), known.tenant());
  EXPECT_EQ(parsed.GetReflection()->GetUnknownFields(parsed).field_count(), 1);
}

}  // namespace
}  // namespace trappe
