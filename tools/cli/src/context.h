// The CLI's shared state: global flags, the channel, call contexts and error reporting.
#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "trappe/common/civil_date.h"
#include "trappe/common/v1/common.pb.h"

namespace trappe::cli {

// Exit codes: 0 success, 1 the server (or the connection) refused, 2 a usage error.
inline constexpr int kExitOk = 0;
inline constexpr int kExitServerError = 1;
inline constexpr int kExitUsage = 2;

// A usage error found after parsing (a bad date, an unknown enum value...).
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Flags shared by every command, and the result of the command that ran.
struct Cli {
  std::string server;
  std::string tenant;
  std::string actor;
  std::string request_id;
  std::string correlation_id;
  uint64_t expected_version = 0;
  double timeout_seconds = 30;
  bool json = false;
  std::vector<std::string> min_positions;
  int exit_code = kExitOk;

  // The channel to the server (made on first use).
  std::shared_ptr<grpc::Channel> channel();
  // A context carrying the call's deadline.
  std::unique_ptr<grpc::ClientContext> context() const;

  // Fills a mutating request's context fields (tenant, request_id, actor,
  // expected_version, correlation_id) by field name; a missing tenant is a usage error.
  void FillCommand(google::protobuf::Message& request) const;
  // Fills a query's context fields (tenant, min_positions).
  void FillQuery(google::protobuf::Message& request) const;

  // Reports a failed call on stderr ("trappe: CODE: message") and returns the exit code.
  int Fail(const grpc::Status& status) const;

 private:
  std::shared_ptr<grpc::Channel> channel_;
};

// Adds --tenant/--actor/--request-id/--expected-version/--correlation-id to a mutating
// command, and --min-position to a query.
void AddCommandFlags(CLI::App& command, Cli& cli, bool has_version = true);
void AddQueryFlags(CLI::App& command, Cli& cli);

// "YYYY-MM-DD" into a Date message (UsageError naming the flag if malformed).
common::v1::Date ParseDate(const std::string& flag, const std::string& text);
// Sets *field when text is not empty.
void SetDate(const std::string& flag, const std::string& text, common::v1::Date* field);
// "TOPIC:PARTITION:OFFSET" into a LogPosition.
common::v1::LogPosition ParsePosition(const std::string& text);
std::string FormatPosition(const common::v1::LogPosition& position);
std::string FormatDate(const common::v1::Date& date);  // "" when unset

// An enum value from its friendly name: for the enum CaseGrade with prefix CASE_GRADE_,
// "very-complex", "very_complex", "VERY_COMPLEX" and "CASE_GRADE_VERY_COMPLEX" all work.
int ParseEnum(const google::protobuf::EnumDescriptor* type, const std::string& flag,
              const std::string& text);
template <typename E>
E ParseEnumAs(const google::protobuf::EnumDescriptor* type, const std::string& flag,
              const std::string& text) {
  return static_cast<E>(ParseEnum(type, flag, text));
}
// The friendly name of an enum value ("very-complex"); "" for the unspecified value.
std::string EnumName(const google::protobuf::EnumDescriptor* type, int value);
// The friendly names of an enum's values, for help texts: "simple, complex, very-complex".
std::string EnumChoices(const google::protobuf::EnumDescriptor* type);

// Every command family registers itself here.
void AddOrgCommands(CLI::App& app, Cli& cli);
void AddCaseCommands(CLI::App& app, Cli& cli);
void AddPlacementCommands(CLI::App& app, Cli& cli);
void AddSchedulingCommands(CLI::App& app, Cli& cli);
void AddWorkloadCommands(CLI::App& app, Cli& cli);
void AddAdminCommands(CLI::App& app, Cli& cli);

}  // namespace trappe::cli
