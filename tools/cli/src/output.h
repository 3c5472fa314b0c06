// Output: aligned tables for people, one JSON document (--json) for scripts.
#pragma once

#include <google/protobuf/message.h>
#include <google/protobuf/repeated_ptr_field.h>

#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "context.h"

namespace trappe::cli {

// A table with a header row; columns padded to their widest cell.
class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  void Print(std::ostream& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// "key: value" lines with the keys aligned.
class Fields {
 public:
  void Add(std::string key, std::string value) {
    rows_.emplace_back(std::move(key), std::move(value));
  }
  void Print(std::ostream& out) const;

 private:
  std::vector<std::pair<std::string, std::string>> rows_;
};

// The message as one JSON document (proto field names, defaults included) on stdout.
void PrintJson(const google::protobuf::Message& message);

// "written: cases:0:12 workload:0:3 (version 2)": what a command wrote, in the form
// --min-position takes.
void PrintWritten(const google::protobuf::RepeatedPtrField<common::v1::LogPosition>& positions,
                  uint64_t version);

// 12500 millipoints -> "12.5"; 1000 -> "1".
std::string FormatPoints(int64_t millipoints);
// 123450 øre -> "1234.50".
std::string FormatKroner(int64_t oere);
// 2500 basis points -> "25.0%".
std::string FormatBasisPoints(int64_t bp);
// 750 thousandths -> "0.75".
std::string FormatFte(int64_t fte_milli);

// Runs one call: on failure reports it and sets the exit code; on success prints the
// response as JSON (--json) or through `human`.
template <typename Response, typename CallFn, typename HumanFn>
void Run(Cli& cli, CallFn call, HumanFn human) {
  Response response;
  const auto context = cli.context();
  const grpc::Status status = call(context.get(), &response);
  if (!status.ok()) {
    cli.exit_code = cli.Fail(status);
    return;
  }
  if (cli.json) {
    PrintJson(response);
  } else {
    human(response);
  }
}

// Runs a mutating call of `Service` whose response carries only positions and version:
// prints `did` and what was written, or the JSON.
template <typename Service, typename Response, typename Request, typename Method>
void RunWrite(Cli& cli, const Request& request, Method method, const std::string& did) {
  auto stub = Service::NewStub(cli.channel());
  Run<Response>(
      cli,
      [&](grpc::ClientContext* context, Response* response) {
        return ((*stub).*method)(context, request, response);
      },
      [&](const Response& response) {
        std::cout << did << '\n';
        PrintWritten(response.positions(), response.version());
      });
}

}  // namespace trappe::cli
