#include "trappe/testing/service_harness.h"

#include <filesystem>

#include "trappe/eventlog/embedded_log.h"

namespace trappe::testing {

ServiceHarness::ServiceHarness() : clock_(ParseTimestamp("2026-03-02T09:00:00Z").value()) {}

ServiceHarness::~ServiceHarness() { Stop(); }

Status ServiceHarness::Start(std::vector<OpenModuleFn> modules) {
  factories_ = std::move(modules);
  return Restart();
}

Status ServiceHarness::Restart() {
  Stop();
  TRAPPE_ASSIGN_OR_RETURN(log_, eventlog::OpenEmbeddedLog({.directory = dir_.Sub("log"),
                                                          .topics = eventlog::DefaultTopics(4),
                                                          .sync = false,
                                                          .clock = &clock_}));
  // The server must exist before the modules' channels are useful, and the modules must
  // exist before the server can register them: modules call each other through a channel
  // created lazily on the server's address once it is known.
  std::vector<grpc::Service*> services;
  for (size_t i = 0; i < factories_.size(); ++i) {
    service::ModuleContext context{.log = log_.get(), .clock = &clock_, .ids = &ids_};
    context.data_dir = dir_.path() / ("module-" + std::to_string(i));
    std::filesystem::create_directories(context.data_dir);
    context.workload_channel = [this] { return channel_; };
    TRAPPE_ASSIGN_OR_RETURN(auto module, factories_[i](context));
    services.push_back(module->grpc_service());
    modules_.push_back(std::move(module));
  }
  TRAPPE_ASSIGN_OR_RETURN(server_, server::Server::Start({.listen_address = "127.0.0.1:0",
                                                          .services = services}));
  channel_ = server_->InProcessChannel();
  for (auto& module : modules_) module->runtime().StartCatchUp(server_.get());
  for (auto& module : modules_) {
    TRAPPE_RETURN_IF_ERROR(module->runtime().WaitUntilReady(std::chrono::steady_clock::now() +
                                                            std::chrono::minutes(2)));
  }
  return Status::Ok();
}

void ServiceHarness::Stop() {
  if (server_) server_->Shutdown(std::chrono::milliseconds(0));
  server_.reset();
  modules_.clear();
  if (log_) log_->Close();
  log_.reset();
}

std::unique_ptr<grpc::ClientContext> ServiceHarness::Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return context;
}

}  // namespace trappe::testing
