// The contracts follow their published conventions, checked over the descriptor set of
// every Trappe proto (built with comments) so that a new file, message or RPC is checked
// the moment it is added:
// - every package is trappe.<area>.v1 in trappe/<area>/v1/;
// - every enum starts with <ENUM_NAME>_UNSPECIFIED = 0 and prefixes its values;
// - every RPC has its own <Rpc>Request and <Rpc>Response; in the four domain APIs mutating
//   ones carry the command context and return positions and version, queries carry tenant
//   and min_positions; the operators' admin API is per process, not per tenant;
// - every message, field, enum, value, service and RPC has a comment;
// - money is int64 øre;
// - every message in an events.proto is a payload of the envelope;
// - every proto is compiled into a library this test links.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "trappe/admin/v1/admin.pb.h"
#include "trappe/cases/v1/service.pb.h"
#include "trappe/events/v1/envelope.pb.h"
#include "trappe/placements/v1/service.pb.h"
#include "trappe/scheduling/v1/service.pb.h"
#include "trappe/workload/v1/service.pb.h"

namespace trappe {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::FileDescriptorSet;
using google::protobuf::MethodDescriptor;
using google::protobuf::ServiceDescriptor;
using google::protobuf::SourceLocation;

// The descriptor set of every Trappe proto, with comments, built once per test binary.
class Contracts {
 public:
  static const Contracts& Get() {
    static const Contracts* contracts = new Contracts();
    return *contracts;
  }

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  // The files of packages trappe.*, in dependency order.
  const std::vector<const FileDescriptor*>& files() const { return files_; }

  std::vector<const Descriptor*> Messages() const {
    std::vector<const Descriptor*> out;
    std::function<void(const Descriptor*)> add = [&](const Descriptor* d) {
      if (d->options().map_entry()) return;
      out.push_back(d);
      for (int i = 0; i < d->nested_type_count(); ++i) add(d->nested_type(i));
    };
    for (const FileDescriptor* f : files_) {
      for (int i = 0; i < f->message_type_count(); ++i) add(f->message_type(i));
    }
    return out;
  }

  std::vector<const EnumDescriptor*> Enums() const {
    std::vector<const EnumDescriptor*> out;
    for (const FileDescriptor* f : files_) {
      for (int i = 0; i < f->enum_type_count(); ++i) out.push_back(f->enum_type(i));
    }
    for (const Descriptor* d : Messages()) {
      for (int i = 0; i < d->enum_type_count(); ++i) out.push_back(d->enum_type(i));
    }
    return out;
  }

  std::vector<const ServiceDescriptor*> Services() const {
    std::vector<const ServiceDescriptor*> out;
    for (const FileDescriptor* f : files_) {
      for (int i = 0; i < f->service_count(); ++i) out.push_back(f->service(i));
    }
    return out;
  }

 private:
  Contracts() {
    std::ifstream in(TRAPPE_PROTO_DESCRIPTOR_SET, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    FileDescriptorSet set;
    if (!in || !set.ParseFromString(bytes.str())) {
      error_ = "cannot read the descriptor set " TRAPPE_PROTO_DESCRIPTOR_SET;
      return;
    }
    for (const auto& proto : set.file()) {
      const FileDescriptor* file = pool_.BuildFile(proto);
      if (file == nullptr) {
        error_ = "cannot build " + proto.name();
        return;
      }
      if (file->package().rfind("trappe.", 0) == 0) files_.push_back(file);
    }
  }

  DescriptorPool pool_;
  std::vector<const FileDescriptor*> files_;
  std::string error_;
};

class ProtoConventionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Contracts::Get().ok()) << Contracts::Get().error();
    ASSERT_FALSE(Contracts::Get().files().empty());
  }
  const Contracts& contracts() const { return Contracts::Get(); }
};

// "CaseGrade" -> "CASE_GRADE".
std::string UpperSnake(const std::string& camel) {
  std::string out;
  for (char c : camel) {
    if (std::isupper(static_cast<unsigned char>(c)) && !out.empty()) out += '_';
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

// The admin API serves operators per process: no tenant, no command context.
bool IsAdminApi(const ServiceDescriptor* s) { return s->file()->package() == "trappe.admin.v1"; }

bool IsQuery(const std::string& rpc) {
  for (const char* verb : {"Get", "List", "Find", "Suggest", "Check"}) {
    if (rpc.rfind(verb, 0) == 0) return true;
  }
  return false;
}

template <typename D>
bool HasComment(const D* d) {
  SourceLocation location;
  if (!d->GetSourceLocation(&location)) return false;
  return location.leading_comments.find_first_not_of(" \n") != std::string::npos ||
         location.trailing_comments.find_first_not_of(" \n") != std::string::npos;
}

TEST_F(ProtoConventionsTest, CoversEveryArea) {
  std::set<std::string> names;
  for (const FileDescriptor* f : contracts().files()) names.insert(f->name());
  for (const char* expected : {
           "trappe/admin/v1/admin.proto",
           "trappe/common/v1/common.proto",
           "trappe/events/v1/envelope.proto",
           "trappe/cases/v1/events.proto",
           "trappe/cases/v1/service.proto",
           "trappe/placements/v1/events.proto",
           "trappe/placements/v1/service.proto",
           "trappe/scheduling/v1/events.proto",
           "trappe/scheduling/v1/service.proto",
           "trappe/workload/v1/events.proto",
           "trappe/workload/v1/service.proto",
       }) {
    EXPECT_EQ(names.count(expected), 1u) << expected;
  }
}

TEST_F(ProtoConventionsTest, PackagesArePerAreaAndVersion) {
  const std::regex package("trappe\\.([a-z]+)\\.(v[0-9]+)");
  for (const FileDescriptor* f : contracts().files()) {
    SCOPED_TRACE(f->name());
    EXPECT_EQ(f->syntax(), FileDescriptor::SYNTAX_PROTO3);
    std::smatch m;
    const std::string& name = f->package();
    ASSERT_TRUE(std::regex_match(name, m, package)) << name;
    EXPECT_EQ(f->name().rfind("trappe/" + m[1].str() + "/" + m[2].str() + "/", 0), 0u)
        << "the file's folder must match its package " << f->package();
  }
}

TEST_F(ProtoConventionsTest, EveryEnumStartsWithUnspecifiedZero) {
  const std::vector<const EnumDescriptor*> enums = contracts().Enums();
  ASSERT_FALSE(enums.empty());
  for (const EnumDescriptor* e : enums) {
    SCOPED_TRACE(e->full_name());
    ASSERT_GT(e->value_count(), 1) << "an enum needs a value besides UNSPECIFIED";
    EXPECT_EQ(e->value(0)->number(), 0);
    EXPECT_EQ(e->value(0)->name(), UpperSnake(e->name()) + "_UNSPECIFIED");
    for (int i = 1; i < e->value_count(); ++i) {
      EXPECT_NE(e->value(i)->number(), 0) << e->value(i)->name();
    }
  }
}

TEST_F(ProtoConventionsTest, EnumValuesArePrefixedWithTheEnumName) {
  for (const EnumDescriptor* e : contracts().Enums()) {
    const std::string prefix = UpperSnake(e->name()) + "_";
    for (int i = 0; i < e->value_count(); ++i) {
      EXPECT_EQ(e->value(i)->name().rfind(prefix, 0), 0u) << e->value(i)->full_name();
    }
  }
}

TEST_F(ProtoConventionsTest, NamesFollowTheStyle) {
  const std::regex pascal("[A-Z][A-Za-z0-9]*");
  const std::regex snake("[a-z][a-z0-9]*(_[a-z0-9]+)*");
  const std::regex upper_snake("[A-Z][A-Z0-9]*(_[A-Z0-9]+)*");
  for (const Descriptor* d : contracts().Messages()) {
    EXPECT_TRUE(std::regex_match(d->name(), pascal)) << d->full_name();
    for (int i = 0; i < d->field_count(); ++i) {
      EXPECT_TRUE(std::regex_match(d->field(i)->name(), snake)) << d->field(i)->full_name();
    }
    for (int i = 0; i < d->real_oneof_decl_count(); ++i) {
      EXPECT_TRUE(std::regex_match(d->oneof_decl(i)->name(), snake))
          << d->oneof_decl(i)->full_name();
    }
  }
  for (const EnumDescriptor* e : contracts().Enums()) {
    EXPECT_TRUE(std::regex_match(e->name(), pascal)) << e->full_name();
    for (int i = 0; i < e->value_count(); ++i) {
      EXPECT_TRUE(std::regex_match(e->value(i)->name(), upper_snake)) << e->value(i)->full_name();
    }
  }
  for (const ServiceDescriptor* s : contracts().Services()) {
    EXPECT_TRUE(std::regex_match(s->name(), std::regex("[A-Z][A-Za-z0-9]*Service")))
        << s->full_name();
    for (int i = 0; i < s->method_count(); ++i) {
      EXPECT_TRUE(std::regex_match(s->method(i)->name(), pascal)) << s->method(i)->full_name();
    }
  }
}

TEST_F(ProtoConventionsTest, EveryElementIsDocumented) {
  for (const FileDescriptor* f : contracts().files()) {
    for (int i = 0; i < f->service_count(); ++i) {
      const ServiceDescriptor* s = f->service(i);
      EXPECT_TRUE(HasComment(s)) << s->full_name();
      for (int j = 0; j < s->method_count(); ++j) {
        EXPECT_TRUE(HasComment(s->method(j))) << s->method(j)->full_name();
      }
    }
  }
  for (const Descriptor* d : contracts().Messages()) {
    EXPECT_TRUE(HasComment(d)) << d->full_name();
    for (int i = 0; i < d->field_count(); ++i) {
      EXPECT_TRUE(HasComment(d->field(i))) << d->field(i)->full_name();
    }
    for (int i = 0; i < d->real_oneof_decl_count(); ++i) {
      EXPECT_TRUE(HasComment(d->oneof_decl(i))) << d->oneof_decl(i)->full_name();
    }
  }
  for (const EnumDescriptor* e : contracts().Enums()) {
    EXPECT_TRUE(HasComment(e)) << e->full_name();
    for (int i = 0; i < e->value_count(); ++i) {
      EXPECT_TRUE(HasComment(e->value(i))) << e->value(i)->full_name();
    }
  }
}

TEST_F(ProtoConventionsTest, TheFourServicesAndTheAdminApiExist) {
  std::set<std::string> names;
  for (const ServiceDescriptor* s : contracts().Services()) names.insert(s->full_name());
  EXPECT_EQ(names, (std::set<std::string>{
                       "trappe.admin.v1.AdminService",
                       "trappe.cases.v1.CaseService",
                       "trappe.placements.v1.PlacementService",
                       "trappe.scheduling.v1.SchedulingService",
                       "trappe.workload.v1.WorkloadService",
                   }));
}

TEST_F(ProtoConventionsTest, EveryRpcHasItsOwnRequestAndResponse) {
  for (const ServiceDescriptor* s : contracts().Services()) {
    std::set<std::string> used;
    for (int i = 0; i < s->method_count(); ++i) {
      const MethodDescriptor* m = s->method(i);
      SCOPED_TRACE(m->full_name());
      EXPECT_FALSE(m->client_streaming());
      EXPECT_EQ(m->input_type()->name(), m->name() + "Request");
      EXPECT_EQ(m->output_type()->name(), m->name() + "Response");
      EXPECT_EQ(m->input_type()->file(), s->file()) << "defined beside the service";
      EXPECT_EQ(m->output_type()->file(), s->file()) << "defined beside the service";
      EXPECT_TRUE(used.insert(m->input_type()->full_name()).second);
      EXPECT_TRUE(used.insert(m->output_type()->full_name()).second);
    }
    // No request or response message without its RPC, and none used as a field.
    const FileDescriptor* f = s->file();
    for (int i = 0; i < f->message_type_count(); ++i) {
      const std::string& name = f->message_type(i)->name();
      const bool looks_like_rpc_message =
          std::regex_match(name, std::regex(".*(Request|Response)"));
      if (looks_like_rpc_message) {
        EXPECT_EQ(used.count(f->message_type(i)->full_name()), 1u)
            << name << " belongs to no RPC of " << s->full_name();
      }
    }
  }
}

// Fails unless `type` has a field `name` with `number` and the given type.
void ExpectField(const Descriptor* type, const std::string& name, int number,
                 FieldDescriptor::Type field_type, bool repeated = false,
                 const std::string& message = "") {
  const FieldDescriptor* field = type->FindFieldByName(name);
  ASSERT_NE(field, nullptr) << type->full_name() << " lacks " << name;
  EXPECT_EQ(field->number(), number) << field->full_name();
  EXPECT_EQ(field->type(), field_type) << field->full_name();
  EXPECT_EQ(field->is_repeated(), repeated) << field->full_name();
  if (!message.empty()) {
    ASSERT_NE(field->message_type(), nullptr) << field->full_name();
    EXPECT_EQ(field->message_type()->full_name(), message) << field->full_name();
  }
}

TEST_F(ProtoConventionsTest, MutatingRpcsCarryTheCommandContext) {
  const std::string position = "trappe.common.v1.LogPosition";
  int mutating = 0;
  for (const ServiceDescriptor* s : contracts().Services()) {
    if (IsAdminApi(s)) continue;
    for (int i = 0; i < s->method_count(); ++i) {
      const MethodDescriptor* m = s->method(i);
      if (IsQuery(m->name())) continue;
      ++mutating;
      SCOPED_TRACE(m->full_name());
      const Descriptor* request = m->input_type();
      ExpectField(request, "tenant", 1, FieldDescriptor::TYPE_STRING);
      ExpectField(request, "request_id", 2, FieldDescriptor::TYPE_STRING);
      ExpectField(request, "actor", 3, FieldDescriptor::TYPE_STRING);
      if (request->FindFieldByName("expected_version") != nullptr) {
        ExpectField(request, "expected_version", 4, FieldDescriptor::TYPE_UINT64);
      }
      ExpectField(request, "correlation_id", 5, FieldDescriptor::TYPE_STRING);
      for (int f = 0; f < request->field_count(); ++f) {
        const FieldDescriptor* field = request->field(f);
        if (field->number() < 10) {
          EXPECT_TRUE(field->number() <= 5) << field->name() << ": 6-9 are kept free";
        }
      }
      const Descriptor* response = m->output_type();
      ExpectField(response, "positions", 1, FieldDescriptor::TYPE_MESSAGE, true, position);
      ExpectField(response, "version", 2, FieldDescriptor::TYPE_UINT64);
    }
  }
  EXPECT_GT(mutating, 0);
}

TEST_F(ProtoConventionsTest, QueriesWaitForPositions) {
  int queries = 0;
  for (const ServiceDescriptor* s : contracts().Services()) {
    if (IsAdminApi(s)) continue;
    for (int i = 0; i < s->method_count(); ++i) {
      const MethodDescriptor* m = s->method(i);
      if (!IsQuery(m->name())) continue;
      ++queries;
      SCOPED_TRACE(m->full_name());
      const Descriptor* request = m->input_type();
      ExpectField(request, "tenant", 1, FieldDescriptor::TYPE_STRING);
      ExpectField(request, "min_positions", 2, FieldDescriptor::TYPE_MESSAGE, true,
                  "trappe.common.v1.LogPosition");
      for (int f = 0; f < request->field_count(); ++f) {
        const FieldDescriptor* field = request->field(f);
        if (field->name() != "tenant" && field->name() != "min_positions") {
          EXPECT_GE(field->number(), 10) << field->name() << ": 3-9 are kept free";
        }
        if (field->name() == "as_of") {
          EXPECT_EQ(field->message_type()->full_name(), "trappe.common.v1.Date");
        }
      }
    }
  }
  EXPECT_GT(queries, 0);
}

TEST_F(ProtoConventionsTest, TheAdminApiCarriesNoTenantOrCommandContext) {
  int rpcs = 0;
  for (const ServiceDescriptor* s : contracts().Services()) {
    if (!IsAdminApi(s)) continue;
    for (int i = 0; i < s->method_count(); ++i) {
      ++rpcs;
      const Descriptor* request = s->method(i)->input_type();
      SCOPED_TRACE(request->full_name());
      for (const char* field : {"tenant", "request_id", "actor", "min_positions"}) {
        EXPECT_EQ(request->FindFieldByName(field), nullptr)
            << field << ": the admin API is per process, not per municipality";
      }
    }
  }
  EXPECT_GT(rpcs, 0);
}

TEST_F(ProtoConventionsTest, MoneyIsInt64Oere) {
  for (const Descriptor* d : contracts().Messages()) {
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* field = d->field(i);
      const std::string& name = field->name();
      const bool about_money = name.find("cost") != std::string::npos ||
                               name.find("spending") != std::string::npos ||
                               name.find("oere") != std::string::npos;
      if (!about_money) continue;
      EXPECT_TRUE(name.size() > 5 && name.compare(name.size() - 5, 5, "_oere") == 0)
          << field->full_name() << " holds money: name it *_oere";
      EXPECT_EQ(field->type(), FieldDescriptor::TYPE_INT64) << field->full_name();
    }
  }
}

TEST_F(ProtoConventionsTest, EveryEventMessageIsAPayloadOfTheEnvelope) {
  const Descriptor* envelope = nullptr;
  for (const Descriptor* d : contracts().Messages()) {
    if (d->full_name() == "trappe.events.v1.EventEnvelope") envelope = d;
  }
  ASSERT_NE(envelope, nullptr);
  std::set<std::string> payloads;
  const auto* oneof = envelope->FindOneofByName("payload");
  ASSERT_NE(oneof, nullptr);
  for (int i = 0; i < oneof->field_count(); ++i) {
    payloads.insert(oneof->field(i)->message_type()->full_name());
  }
  int events = 0;
  for (const FileDescriptor* f : contracts().files()) {
    const std::string suffix = "/events.proto";
    if (f->name().size() < suffix.size() ||
        f->name().compare(f->name().size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    for (int i = 0; i < f->message_type_count(); ++i) {
      ++events;
      EXPECT_EQ(payloads.count(f->message_type(i)->full_name()), 1u)
          << f->message_type(i)->full_name() << " is not in EventEnvelope.payload";
    }
  }
  EXPECT_EQ(events, static_cast<int>(payloads.size()));
}

TEST_F(ProtoConventionsTest, EveryProtoIsCompiledIntoALinkedLibrary) {
  // Referencing one message per service file links its library into this test; every
  // other file is reached through imports.
  const Descriptor* linked[] = {
      admin::v1::GetProjectionStatusRequest::descriptor(),
      cases::v1::OpenCaseRequest::descriptor(),
      placements::v1::StartInterventionRequest::descriptor(),
      scheduling::v1::RecordFollowUpRequest::descriptor(),
      workload::v1::RegisterMunicipalityRequest::descriptor(),
      events::v1::EventEnvelope::descriptor(),
  };
  ASSERT_EQ(std::size(linked), 6u);
  for (const FileDescriptor* f : contracts().files()) {
    const FileDescriptor* compiled = DescriptorPool::generated_pool()->FindFileByName(f->name());
    ASSERT_NE(compiled, nullptr) << f->name() << " is in no library linked into this test";
    // Same content (json names filled in on both sides: protoc writes them into the set,
    // generated code leaves them implicit).
    google::protobuf::FileDescriptorProto from_set;
    google::protobuf::FileDescriptorProto from_library;
    f->CopyTo(&from_set);
    f->CopyJsonNameTo(&from_set);
    compiled->CopyTo(&from_library);
    compiled->CopyJsonNameTo(&from_library);
    EXPECT_EQ(from_set.DebugString(), from_library.DebugString())
        << f->name() << " differs from the compiled library";
  }
}

}  // namespace
}  // namespace trappe
