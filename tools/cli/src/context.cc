#include "context.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <iostream>

#include "trappe/common/ids.h"

namespace trappe::cli {

namespace gp = google::protobuf;

std::shared_ptr<grpc::Channel> Cli::channel() {
  if (!channel_) channel_ = grpc::CreateChannel(server, grpc::InsecureChannelCredentials());
  return channel_;
}

std::unique_ptr<grpc::ClientContext> Cli::context() const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::milliseconds(static_cast<int64_t>(timeout_seconds * 1000)));
  return context;
}

namespace {

void SetStringField(gp::Message& message, const std::string& name, const std::string& value) {
  const gp::FieldDescriptor* field = message.GetDescriptor()->FindFieldByName(name);
  if (field == nullptr || value.empty()) return;
  message.GetReflection()->SetString(&message, field, value);
}

void RequireTenant(const std::string& tenant) {
  if (tenant.empty()) {
    throw UsageError(
        "--tenant is required (or set TRAPPE_TENANT): the municipality code, e.g. 0657");
  }
}

}  // namespace

void Cli::FillCommand(gp::Message& request) const {
  const gp::Descriptor* type = request.GetDescriptor();
  if (type->FindFieldByName("tenant") != nullptr &&
      request.GetReflection()->GetString(request, type->FindFieldByName("tenant")).empty()) {
    RequireTenant(tenant);
    SetStringField(request, "tenant", tenant);
  }
  SetStringField(request, "request_id", request_id.empty() ? NewUuid() : request_id);
  SetStringField(request, "actor", actor);
  SetStringField(request, "correlation_id", correlation_id);
  if (const auto* field = type->FindFieldByName("expected_version");
      field != nullptr && expected_version != 0) {
    request.GetReflection()->SetUInt64(&request, field, expected_version);
  }
}

void Cli::FillQuery(gp::Message& request) const {
  RequireTenant(tenant);
  SetStringField(request, "tenant", tenant);
  const gp::FieldDescriptor* field = request.GetDescriptor()->FindFieldByName("min_positions");
  if (field == nullptr) return;
  for (const std::string& text : min_positions) {
    request.GetReflection()->AddMessage(&request, field)->CopyFrom(ParsePosition(text));
  }
}

int Cli::Fail(const grpc::Status& status) const {
  static constexpr const char* kNames[] = {"OK",
                                           "CANCELLED",
                                           "UNKNOWN",
                                           "INVALID_ARGUMENT",
                                           "DEADLINE_EXCEEDED",
                                           "NOT_FOUND",
                                           "ALREADY_EXISTS",
                                           "PERMISSION_DENIED",
                                           "RESOURCE_EXHAUSTED",
                                           "FAILED_PRECONDITION",
                                           "ABORTED",
                                           "OUT_OF_RANGE",
                                           "UNIMPLEMENTED",
                                           "INTERNAL",
                                           "UNAVAILABLE",
                                           "DATA_LOSS",
                                           "UNAUTHENTICATED"};
  const int code = static_cast<int>(status.error_code());
  const char* name = code >= 0 && code <= 16 ? kNames[code] : "UNKNOWN";
  std::cerr << "trappe: " << name << ": " << status.error_message() << '\n';
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    std::cerr << "trappe: (server " << server << "; is it running and caught up?)\n";
  }
  return kExitServerError;
}

void AddCommandFlags(CLI::App& command, Cli& cli, bool has_version) {
  command.add_option("--tenant", cli.tenant, "Municipality code, e.g. 0657 (env TRAPPE_TENANT)");
  command.add_option(
      "--actor", cli.actor,
      "Who acts: caseworker id or user name (env TRAPPE_ACTOR; default the login name)");
  command.add_option("--request-id", cli.request_id,
                     "Idempotency key (a UUID); repeating it returns the first outcome and writes "
                     "nothing. Default: a new UUID");
  command.add_option("--correlation-id", cli.correlation_id,
                     "Ties this command to a larger user action; default the request id");
  if (has_version) {
    command.add_option("--expected-version", cli.expected_version,
                       "Refuse (ABORTED) unless the aggregate is at this version; 0: don't check");
  }
}

void AddQueryFlags(CLI::App& command, Cli& cli) {
  command.add_option("--tenant", cli.tenant, "Municipality code, e.g. 0657 (env TRAPPE_TENANT)");
  command.add_option(
      "--min-position", cli.min_positions,
      "TOPIC:PARTITION:OFFSET a write printed; the answer waits until it reflects it (repeatable)");
}

common::v1::Date ParseDate(const std::string& flag, const std::string& text) {
  auto date = CivilDate::Parse(text);
  if (!date.ok()) throw UsageError(flag + ": '" + text + "' is not a date (YYYY-MM-DD)");
  common::v1::Date out;
  out.set_year(date->year());
  out.set_month(date->month());
  out.set_day(date->day());
  return out;
}

void SetDate(const std::string& flag, const std::string& text, common::v1::Date* field) {
  if (!text.empty()) *field = ParseDate(flag, text);
}

common::v1::LogPosition ParsePosition(const std::string& text) {
  const size_t last = text.rfind(':');
  const size_t middle =
      last == std::string::npos || last == 0 ? std::string::npos : text.rfind(':', last - 1);
  const auto bad = [&] {
    return UsageError("--min-position: '" + text + "' is not TOPIC:PARTITION:OFFSET");
  };
  if (middle == std::string::npos || middle == 0) throw bad();
  int32_t partition = 0;
  int64_t offset = 0;
  const std::string p = text.substr(middle + 1, last - middle - 1);
  const std::string o = text.substr(last + 1);
  if (std::from_chars(p.data(), p.data() + p.size(), partition).ptr != p.data() + p.size() ||
      p.empty() ||
      std::from_chars(o.data(), o.data() + o.size(), offset).ptr != o.data() + o.size() ||
      o.empty()) {
    throw bad();
  }
  common::v1::LogPosition position;
  position.set_topic(text.substr(0, middle));
  position.set_partition(partition);
  position.set_offset(offset);
  return position;
}

std::string FormatPosition(const common::v1::LogPosition& position) {
  return position.topic() + ":" + std::to_string(position.partition()) + ":" +
         std::to_string(position.offset());
}

std::string FormatDate(const common::v1::Date& date) {
  if (date.year() == 0) return "";
  auto civil = CivilDate::FromYmd(date.year(), date.month(), date.day());
  return civil.ok() ? civil->ToString() : "?";
}

namespace {

// The common prefix of an enum's value names: "CASE_GRADE_" for CaseGrade.
std::string EnumPrefix(const gp::EnumDescriptor* type) {
  const std::string first(type->value(0)->name());  // X_UNSPECIFIED by convention
  const size_t at = first.rfind("UNSPECIFIED");
  return at == std::string::npos ? "" : first.substr(0, at);
}

std::string Friendly(const std::string& name, const std::string& prefix) {
  std::string out = name.substr(name.rfind(prefix, 0) == 0 ? prefix.size() : 0);
  for (char& c : out) c = c == '_' ? '-' : static_cast<char>(std::tolower(c));
  return out;
}

}  // namespace

int ParseEnum(const gp::EnumDescriptor* type, const std::string& flag, const std::string& text) {
  std::string upper;
  for (const char c : text) upper += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  const std::string prefix = EnumPrefix(type);
  for (int i = 0; i < type->value_count(); ++i) {
    const gp::EnumValueDescriptor* value = type->value(i);
    if (value->number() == 0) continue;
    if (value->name() == upper || value->name() == prefix + upper) return value->number();
  }
  throw UsageError(flag + ": '" + text + "' is not one of: " + EnumChoices(type));
}

std::string EnumName(const gp::EnumDescriptor* type, int value) {
  const gp::EnumValueDescriptor* descriptor = type->FindValueByNumber(value);
  if (descriptor == nullptr) return std::to_string(value);
  if (value == 0) return "";
  return Friendly(descriptor->name(), EnumPrefix(type));
}

std::string EnumChoices(const gp::EnumDescriptor* type) {
  std::string out;
  const std::string prefix = EnumPrefix(type);
  for (int i = 0; i < type->value_count(); ++i) {
    if (type->value(i)->number() == 0) continue;
    if (!out.empty()) out += ", ";
    out += Friendly(type->value(i)->name(), prefix);
  }
  return out;
}

}  // namespace trappe::cli
