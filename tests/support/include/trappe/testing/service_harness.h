// ServiceHarness: Trappe services over real gRPC for tests - an embedded event log in a
// temp dir, the given modules, one server on 127.0.0.1:0 and a channel to it. The modules
// share the log, a fixed clock and sequential ids, exactly as in the all-in-one server.
//
//   ServiceHarness h;
//   ASSERT_OK(h.Start({OpenCasesModule}));
//   trappe::cases::v1::CaseService::Stub stub(h.channel());
//
// Restart() stops everything and opens it again on the same directories (durability
// tests); the clock and ids carry on.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "trappe/common/clock.h"
#include "trappe/common/ids.h"
#include "trappe/eventlog/event_log.h"
#include "trappe/server/server.h"
#include "trappe/service/module.h"
#include "trappe/testing/temp_dir.h"

namespace trappe::testing {


using OpenModuleFn = std::function<Result<std::unique_ptr<service::ServiceModule>>(
    const service::ModuleContext&)>;

class ServiceHarness {
 public:
  // 2026-03-02 10:00 Copenhagen time unless changed before Start.
  ServiceHarness();
  ~ServiceHarness();

  // Opens the log and the modules, serves them, and waits until every module is ready.
  [[nodiscard]] Status Start(std::vector<OpenModuleFn> modules);
  // Stops the server, the modules and the log, then starts them again from disk.
  [[nodiscard]] Status Restart();
  void Stop();

  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  const std::string& address() const { return server_->address(); }
  eventlog::EventLog& log() { return *log_; }
  FixedClock& clock() { return clock_; }
  service::ServiceModule& module(size_t i) { return *modules_.at(i); }
  const TempDir& dir() const { return dir_; }

  // A client context with a generous deadline (tests never hang forever).
  static std::unique_ptr<grpc::ClientContext> Context();

 private:
  TempDir dir_;
  FixedClock clock_;
  SequentialIdGenerator ids_;
  std::vector<OpenModuleFn> factories_;
  std::unique_ptr<eventlog::EventLog> log_;
  std::vector<std::unique_ptr<service::ServiceModule>> modules_;
  std::unique_ptr<server::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace trappe::testing
