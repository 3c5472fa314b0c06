#include "trappe/host/host.h"

#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "trappe/admin/admin_service.h"
#include "trappe/common/log.h"
#include "trappe/eventlog/open.h"

#ifdef TRAPPE_HAVE_GENERATOR
#include <atomic>
#include <thread>

#include "trappe/generator/demo.h"
#endif

#ifdef TRAPPE_HAVE_WORKLOAD
#include "trappe/workload/module.h"
#endif
#ifdef TRAPPE_HAVE_CASES
#include "trappe/cases/module.h"
#endif
#ifdef TRAPPE_HAVE_PLACEMENTS
#include "trappe/placements/module.h"
#endif
#ifdef TRAPPE_HAVE_SCHEDULING
#include "trappe/scheduling/module.h"
#endif

namespace trappe::host {
namespace {

// Workload first: cases asks it whom to assign.
const std::vector<std::string>& KnownTargets() {
  static const std::vector<std::string> targets = {"workload", "cases", "placements",
                                                   "scheduling"};
  return targets;
}

bool Available(const std::string& target) {
  const std::vector<std::string> available = AvailableTargets();
  return std::find(available.begin(), available.end(), target) != available.end();
}

Result<std::vector<std::string>> ResolveTargets(const std::vector<std::string>& requested) {
  std::vector<std::string> out;
  for (const std::string& target : requested) {
    if (target == "all") {
      out = AvailableTargets();
      continue;
    }
    if (std::find(KnownTargets().begin(), KnownTargets().end(), target) == KnownTargets().end()) {
      return InvalidArgument("target", "unknown service '" + target +
                                           "' (one of: all, workload, cases, placements, scheduling)");
    }
    if (!Available(target)) {
      return Unimplemented("target: the '" + target + "' service is not part of this build");
    }
    if (std::find(out.begin(), out.end(), target) == out.end()) out.push_back(target);
  }
  if (out.empty()) return InvalidArgument("target", "names no service");
  // Start in the canonical order whatever the flag's order.
  std::vector<std::string> ordered;
  for (const std::string& t : KnownTargets()) {
    if (std::find(out.begin(), out.end(), t) != out.end()) ordered.push_back(t);
  }
  return ordered;
}

// The master key file holds 64 hex characters (32 bytes). With `create`, a missing file
// is made with a fresh random key, readable by the owner only.
[[maybe_unused]] Result<std::string> LoadOrCreateMasterKey(const std::filesystem::path& path, bool create) {
  if (!std::filesystem::exists(path)) {
    if (!create) return NotFound("master key file " + path.string() + " does not exist");
    unsigned char key[32];
    if (getrandom(key, sizeof key, 0) != static_cast<ssize_t>(sizeof key)) {
      return Internal("cannot read random bytes for a master key");
    }
    std::string hex;
    for (const unsigned char b : key) {
      char buf[3];
      std::snprintf(buf, sizeof buf, "%02x", b);
      hex += buf;
    }
    const mode_t old_mask = umask(077);
    std::ofstream out(path);
    out << hex << "\n";
    out.close();
    umask(old_mask);
    if (!out) return Internal("cannot write the master key file " + path.string());
    log::Warn("host.master_key_created",
              {{"file", path.string()},
               {"note", "back this file up: without it the personal data cannot be read"}});
  }
  std::ifstream in(path);
  std::string hex;
  in >> hex;
  if (hex.size() != 64 || !std::all_of(hex.begin(), hex.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) != 0;
      })) {
    return InvalidArgument("master_key_file", path.string() + " must hold 64 hex characters");
  }
  return hex;
}

}  // namespace

std::vector<std::string> AvailableTargets() {
  std::vector<std::string> targets;
#ifdef TRAPPE_HAVE_WORKLOAD
  targets.push_back("workload");
#endif
#ifdef TRAPPE_HAVE_CASES
  targets.push_back("cases");
#endif
#ifdef TRAPPE_HAVE_PLACEMENTS
  targets.push_back("placements");
#endif
#ifdef TRAPPE_HAVE_SCHEDULING
  targets.push_back("scheduling");
#endif
  return targets;
}

Result<std::unique_ptr<Host>> Host::Start(HostOptions options, const Clock* clock) {
  std::unique_ptr<Host> host(new Host());
  host->clock_ = clock != nullptr ? clock : &SystemClock::Instance();
  TRAPPE_ASSIGN_OR_RETURN(host->targets_, ResolveTargets(options.targets));

  std::error_code error;
  std::filesystem::create_directories(options.data_dir, error);
  if (error) {
    return InvalidArgument("data_dir", "cannot create " + options.data_dir.string() + ": " +
                                           error.message());
  }
  [[maybe_unused]] const bool embedded = options.log_url.empty() || options.log_url.rfind("embedded:", 0) == 0;
  if (options.log_url.empty()) {
    options.log_url = "embedded://" + std::filesystem::absolute(options.data_dir / "log").string();
  }
  log::Info("host.opening_log", {{"log", eventlog::RedactEventLogUrl(options.log_url)}});
  TRAPPE_ASSIGN_OR_RETURN(host->log_, eventlog::OpenEventLog(options.log_url));

  const bool hosts_workload =
      std::find(host->targets_.begin(), host->targets_.end(), "workload") != host->targets_.end();
  Host* raw = host.get();
  const auto workload_channel = [raw, hosts_workload, address = options.workload_address]()
      -> std::shared_ptr<grpc::Channel> {
    std::lock_guard lock(raw->channel_mu_);
    if (raw->workload_channel_) return raw->workload_channel_;
    if (hosts_workload && raw->server_) {
      raw->workload_channel_ = raw->server_->InProcessChannel();
    } else if (!address.empty()) {
      raw->workload_channel_ = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
    }
    return raw->workload_channel_;
  };

  std::vector<grpc::Service*> services;
  for (const std::string& target : host->targets_) {
    service::ModuleContext context{.log = host->log_.get(), .clock = host->clock_,
                                   .ids = &host->ids_};
    context.data_dir = options.data_dir / target;
    std::filesystem::create_directories(context.data_dir, error);
    context.workload_channel = workload_channel;
    Result<std::unique_ptr<service::ServiceModule>> module = Unimplemented(target);
#ifdef TRAPPE_HAVE_WORKLOAD
    if (target == "workload") module = workload::OpenWorkloadModule(context);
#endif
#ifdef TRAPPE_HAVE_CASES
    if (target == "cases") {
      const std::filesystem::path key_file = options.master_key_file.empty()
                                                 ? options.data_dir / "master.key"
                                                 : options.master_key_file;
      TRAPPE_ASSIGN_OR_RETURN(const std::string key_hex,
                              LoadOrCreateMasterKey(key_file, embedded && options.master_key_file.empty()));
      TRAPPE_ASSIGN_OR_RETURN(cases::CasesOptions cases_options, cases::CasesOptionsFromHexKey(key_hex));
      module = cases::OpenCasesModule(context, std::move(cases_options));
    }
#endif
#ifdef TRAPPE_HAVE_PLACEMENTS
    if (target == "placements") module = placements::OpenPlacementsModule(context);
#endif
#ifdef TRAPPE_HAVE_SCHEDULING
    if (target == "scheduling") module = scheduling::OpenSchedulingModule(context);
#endif
    if (!module.ok()) return module.status().WithContext("starting " + target);
    services.push_back((*module)->grpc_service());
    host->modules_.push_back(std::move(module).value());
  }
  // The operators' API (projection status, rebuilds) for whatever this process hosts.
  std::vector<service::ServiceModule*> hosted;
  for (auto& module : host->modules_) hosted.push_back(module.get());
  host->admin_ = std::make_unique<admin::AdminService>(std::move(hosted), host->log_.get());
  services.push_back(host->admin_.get());

  TRAPPE_ASSIGN_OR_RETURN(host->server_,
                          server::Server::Start({.listen_address = options.listen_address,
                                                 .services = services}));
  host->server_->SetServing("", true);
  for (auto& module : host->modules_) module->runtime().StartCatchUp(host->server_.get());
  host->options_ = std::move(options);
  return host;
}

Host::~Host() { Stop(); }

Status Host::WaitUntilReady(std::chrono::steady_clock::time_point deadline) {
  for (auto& module : modules_) {
    TRAPPE_RETURN_IF_ERROR(module->runtime().WaitUntilReady(deadline));
  }
  return Status::Ok();
}

Result<bool> Host::LogIsEmpty() {
  for (const std::string_view topic : {eventlog::kCaseEventsTopic, eventlog::kOrgEventsTopic}) {
    TRAPPE_ASSIGN_OR_RETURN(const std::vector<int64_t> ends, log_->EndOffsets(topic));
    for (const int64_t end : ends) {
      if (end > 0) return false;
    }
  }
  return true;
}

void Host::Stop() {
  if (admin_) admin_->Shutdown();  // a running rebuild must not hold the shutdown
  if (server_) server_->Shutdown(std::chrono::seconds(5));
  {
    std::lock_guard lock(channel_mu_);
    workload_channel_.reset();
  }
  modules_.clear();  // stops the projection engines
  server_.reset();
  if (log_) log_->Close();
  log_.reset();
}

std::optional<int> ParseServerFlags(int argc, const char* const* argv,
                                    std::vector<std::string> default_targets, ServerFlags* flags) {
  HostOptions& options = flags->host;
  options.targets = std::move(default_targets);

  CLI::App app{"trappe-server: the Trappe case platform's services (cases, placements, "
               "scheduling, workload), all in one process or one per process."};
  app.set_config("--config", "",
                 "Read options from a TOML or INI file (keys are the long flag names, e.g. "
                 "log = \"kafka://...\"); flags on the command line override it");
  // A misspelt key in the file is an error, not a silently ignored setting.
  app.allow_config_extras(CLI::config_extras_mode::error);
  app.add_option("--target", options.targets,
                 "Services to run: all, or any of workload, cases, placements, scheduling "
                 "(comma separated)")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--listen", options.listen_address, "gRPC listen address (host:port)")
      ->capture_default_str()
      ->envname("TRAPPE_LISTEN");
  app.add_option("--data-dir", options.data_dir,
                 "Directory for projections (and the embedded log)")
      ->capture_default_str()
      ->envname("TRAPPE_DATA_DIR");
  app.add_option("--log", options.log_url,
                 "Event log: embedded://DIR or kafka://HOST:PORT,...?PROPERTIES "
                 "(default: embedded log in DATA_DIR/log)")
      ->envname("TRAPPE_LOG");
  app.add_option("--workload-address", options.workload_address,
                 "Where the workload service answers when not hosted here (host:port)")
      ->envname("TRAPPE_WORKLOAD_ADDRESS");
  app.add_option("--master-key-file", options.master_key_file,
                 "File with the 32-byte master key as 64 hex characters (cases service); "
                 "default with the embedded log: DATA_DIR/master.key, created on first start")
      ->envname("TRAPPE_MASTER_KEY_FILE");
  app.add_option("--log-level", flags->log_level, "debug, info, warn, error")->capture_default_str();
  app.add_option("--log-format", flags->log_format, "text or json")->capture_default_str();
  app.add_flag("--demo", flags->demo,
               "On a first start (empty log), load a demo municipality (0657 Herning: 1,000 "
               "children over 10 years up to today) and print commands to try");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return std::nullopt;
}

#ifdef TRAPPE_HAVE_GENERATOR
// --demo: on a first start, once the services are ready, loads the demo municipality through
// the in-process channel, then prints commands to try. A later start loads nothing.
static std::thread StartDemo(Host& host, const std::atomic<bool>& stopping) {
  if (host.targets().size() != AvailableTargets().size() || AvailableTargets().size() != 4) {
    log::Warn("demo.skipped", {{"reason", "the demo needs all four services in one process"}});
    return {};
  }
  const Result<bool> empty = host.LogIsEmpty();
  if (!empty.ok() || !*empty) {
    std::cout << generator::DemoWelcome(host.address(), SystemClock::Instance().Today(), nullptr)
              << std::flush;
    return {};
  }
  return std::thread([&host, &stopping, channel = host.InProcessChannel()] {
    while (!host.WaitUntilReady(std::chrono::steady_clock::now() + std::chrono::milliseconds(200))
                .ok()) {
      if (stopping.load()) return;
    }
    log::Info("demo.loading", {{"tenant", "0657"}, {"children", 1000}, {"years", 10}});
    int reported = -1;
    const auto progress = [&reported](const generator::Progress& p) {
      const int tenth = p.children_total == 0 ? 10 : p.children_done * 10 / p.children_total;
      if (tenth == reported) return;
      reported = tenth;
      log::Info("demo.progress", {{"children", p.children_done},
                                  {"commands", p.commands_done},
                                  {"of_commands", p.commands_total},
                                  {"seconds", p.seconds}});
    };
    const Result<generator::DemoSummary> demo =
        generator::LoadDemo(channel, SystemClock::Instance().Today(), progress, &stopping);
    if (!demo.ok()) {
      if (!stopping.load()) log::Error("demo.failed", {{"error", demo.status().ToString()}});
      return;
    }
    log::Info("demo.loaded", {{"commands", demo->run.commands}, {"seconds", demo->run.seconds}});
    std::cout << generator::DemoWelcome(host.address(), demo->options.end_date, &*demo)
              << std::flush;
  });
}
#endif

int RunServer(int argc, char** argv, std::vector<std::string> default_targets) {
  server::BlockShutdownSignals();
  ServerFlags flags;
  if (std::optional<int> exit_code = ParseServerFlags(argc, argv, std::move(default_targets), &flags)) {
    return *exit_code;
  }
  HostOptions& options = flags.host;
  const std::string& log_level = flags.log_level;
  const std::string& log_format = flags.log_format;

  log::Level level = log::Level::kInfo;
  if (!log::ParseLevel(log_level, &level)) {
    std::cerr << "trappe-server: --log-level: unknown level '" << log_level << "'\n";
    return 2;
  }
  log::Init(level, log_format == "json" ? log::Format::kJson : log::Format::kText);

  auto host = Host::Start(options);
  if (!host.ok()) {
    std::cerr << "trappe-server: " << host.status().ToString() << "\n";
    return 1;
  }
  std::string hosted;
  for (const std::string& t : (*host)->targets()) hosted += (hosted.empty() ? "" : ",") + t;
  std::cout << "Trappe is listening on " << (*host)->address() << " (services: " << hosted
            << "; data: " << std::filesystem::absolute(options.data_dir).string() << ")"
            << std::endl;
#ifdef TRAPPE_HAVE_GENERATOR
  std::atomic<bool> stopping{false};
  std::thread demo = flags.demo ? StartDemo(**host, stopping) : std::thread();
#endif
  const int sig = server::WaitForShutdownSignal();
  log::Info("host.stopping", {{"signal", sig}});
#ifdef TRAPPE_HAVE_GENERATOR
  stopping.store(true);  // the demo stops after the calls in flight
  if (demo.joinable()) demo.join();
  (*host)->Stop();
#else
  (*host)->Stop();
#endif
  return 0;
}

}  // namespace trappe::host
