// Host: runs any subset of the four Trappe services in one process (DESIGN.md section 1,
// STYLE.md "one binary, many targets").
//
//   trappe-server                                   all four, embedded log under ./trappe-data
//   trappe-server --target=cases --log=kafka://...  one service against Kafka
//
// Services in one process share the event log and still call each other through gRPC
// (over the in-process channel), exactly as they do across processes.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "trappe/common/clock.h"
#include "trappe/common/ids.h"
#include "trappe/common/status.h"
#include "trappe/eventlog/event_log.h"
#include "trappe/server/server.h"
#include "trappe/service/module.h"

namespace trappe::admin {
class AdminService;
}  // namespace trappe::admin

namespace trappe::host {

// The services this build can host, in start order.
std::vector<std::string> AvailableTargets();

struct HostOptions {
  // Service names ("cases", "placements", "scheduling", "workload") or "all".
  std::vector<std::string> targets = {"all"};
  std::string listen_address = "127.0.0.1:7474";
  // Projections (and the embedded log, unless log_url says otherwise) live here.
  std::filesystem::path data_dir = "trappe-data";
  // "embedded://<dir>" or "kafka://host:port,...?..." (see libs/eventlog open.h). Empty:
  // the embedded log in <data_dir>/log.
  std::string log_url;
  // Where the workload service answers when it is not hosted here ("host:port").
  std::string workload_address;
  // The cases service's master key: a file holding 32 bytes as 64 hex characters. Empty
  // with the embedded log: <data_dir>/master.key, created on first start.
  std::filesystem::path master_key_file;
};

class Host {
 public:
  // Opens the log and the services, starts serving, and begins catching up; each service
  // reports SERVING through the health service once caught up.
  [[nodiscard]] static Result<std::unique_ptr<Host>> Start(HostOptions options,
                                                           const Clock* clock = nullptr);
  ~Host();

  const std::string& address() const { return server_->address(); }
  const std::vector<std::string>& targets() const { return targets_; }
  // Blocks until every hosted service has caught up (or the deadline passes).
  [[nodiscard]] Status WaitUntilReady(std::chrono::steady_clock::time_point deadline);
  // A channel to the hosted services that never leaves the process.
  std::shared_ptr<grpc::Channel> InProcessChannel() { return server_->InProcessChannel(); }
  // True when the event log holds no record at all (a first start).
  [[nodiscard]] Result<bool> LogIsEmpty();
  void Stop();

 private:
  Host() = default;

  HostOptions options_;
  const Clock* clock_ = nullptr;
  RandomIdGenerator ids_;
  std::vector<std::string> targets_;
  std::unique_ptr<eventlog::EventLog> log_;
  std::vector<std::unique_ptr<service::ServiceModule>> modules_;
  std::unique_ptr<server::Server> server_;
  std::mutex channel_mu_;  // guards workload_channel_, made on first use by any handler
  std::shared_ptr<grpc::Channel> workload_channel_;
  std::unique_ptr<admin::AdminService> admin_;  // serves the modules' projection status
};

// trappe-server's settings: flags, environment (TRAPPE_LOG, ...) or a config file.
struct ServerFlags {
  HostOptions host;
  std::string log_level = "info";
  std::string log_format = "text";
  // On a first start (an empty log), load the demo municipality (docs/generator.md).
  bool demo = false;
};

// Parses trappe-server's command line into `flags`, including `--config FILE` (TOML or
// INI, keys named like the long flags: `listen = "0.0.0.0:7474"`, `target = ["cases"]`).
// Precedence: command line, then the config file, then the environment. Returns the
// process exit code when parsing ends the program (--help: 0, a bad flag or file: non-zero,
// with the message printed), nullopt when the server should start.
std::optional<int> ParseServerFlags(int argc, const char* const* argv,
                                    std::vector<std::string> default_targets, ServerFlags* flags);

// The whole of trappe-server's main(): flags, start, wait for SIGTERM/SIGINT, stop.
int RunServer(int argc, char** argv, std::vector<std::string> default_targets);

}  // namespace trappe::host
