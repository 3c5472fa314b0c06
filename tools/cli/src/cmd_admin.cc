// rebuild, status: the servers' read models (projections), through AdminService.
#include <google/protobuf/util/json_util.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>

#include "context.h"
#include "output.h"
#include "trappe/admin/v1/admin.grpc.pb.h"

namespace trappe::cli {

namespace av1 = trappe::admin::v1;

namespace {

constexpr char kServices[] = "cases, placements, scheduling or workload";

// 1234567 -> "1,234,567".
std::string Thousands(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Seconds(double seconds, int precision = 1) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", precision, seconds);
  return buf;
}

// "1m05s", "12s".
std::string Duration(double seconds) {
  const auto whole = static_cast<long long>(std::llround(seconds));
  if (whole < 60) return std::to_string(whole) + "s";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lldm%02llds", whole / 60, whole % 60);
  return buf;
}

// The progress of one service's rebuild, on stderr: a bar redrawn in place on a terminal,
// one plain line per report otherwise (logs, pipes).
class ProgressView {
 public:
  ProgressView() : tty_(isatty(STDERR_FILENO) == 1) {}

  void Show(const av1::RebuildProjectionsResponse& p) {
    if (!current_.empty() && current_ != p.service()) EndLine();
    current_ = p.service();
    const double fraction = p.events_total() > 0
                                ? std::min(1.0, static_cast<double>(p.events_done()) /
                                                    static_cast<double>(p.events_total()))
                                : (p.finished() ? 1.0 : 0.0);
    std::ostringstream line;
    line << p.service();
    if (p.service().size() < 11) line << std::string(11 - p.service().size(), ' ');
    if (tty_) {
      constexpr int kWidth = 30;
      const int filled = static_cast<int>(fraction * kWidth);
      line << '[' << std::string(static_cast<size_t>(filled), '#')
           << std::string(static_cast<size_t>(kWidth - filled), '.') << "] ";
    }
    line << static_cast<int>(fraction * 100) << "%  " << Thousands(p.events_done()) << "/"
         << Thousands(p.events_total()) << " events  "
         << Thousands(static_cast<uint64_t>(p.events_per_second())) << " events/s  ";
    if (p.finished()) {
      line << "done in " << Duration(p.elapsed_seconds());
    } else if (p.events_per_second() > 0) {
      line << "ETA " << Duration(p.eta_seconds());
    } else {
      line << "ETA -";  // no rate yet
    }
    if (tty_) {
      // Pad over the remains of a longer previous line.
      std::string text = line.str();
      if (text.size() < last_width_) text += std::string(last_width_ - text.size(), ' ');
      last_width_ = text.size();
      std::cerr << '\r' << text << std::flush;
      open_line_ = true;
      if (p.finished()) EndLine();
    } else {
      std::cerr << line.str() << '\n' << std::flush;
    }
  }

  // Ends a bar left open (before an error message, or the next service).
  void EndLine() {
    if (open_line_) std::cerr << '\n';
    open_line_ = false;
    last_width_ = 0;
  }

 private:
  const bool tty_;
  std::string current_;
  bool open_line_ = false;
  size_t last_width_ = 0;
};

std::string ProtoJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options).ok()) return "{}";
  return json;
}

void RunRebuild(Cli& cli, const std::vector<std::string>& services, bool deadline) {
  auto stub = av1::AdminService::NewStub(cli.channel());
  av1::RebuildProjectionsRequest request;
  for (const std::string& s : services) request.add_services(s);
  // A rebuild of a large log takes long: only a --timeout given explicitly bounds it.
  auto context = deadline ? cli.context() : std::make_unique<grpc::ClientContext>();
  auto reader = stub->RebuildProjections(context.get(), request);
  ProgressView view;
  std::vector<av1::RebuildProjectionsResponse> finished;
  av1::RebuildProjectionsResponse message;
  while (reader->Read(&message)) {
    view.Show(message);
    if (message.finished()) finished.push_back(message);
  }
  view.EndLine();
  const grpc::Status status = reader->Finish();
  if (!status.ok()) {
    cli.exit_code = cli.Fail(status);
    return;
  }
  if (cli.json) {
    // One document: {"rebuilt": [<the last message of each service>, ...]}.
    std::cout << "{\"rebuilt\": [";
    for (size_t i = 0; i < finished.size(); ++i) {
      std::cout << (i > 0 ? ", " : "") << ProtoJson(finished[i]);
    }
    std::cout << "]}\n";
    return;
  }
  Table table({"SERVICE", "EVENTS", "SECONDS", "EVENTS/S", "CHECKSUM"});
  for (const auto& f : finished) {
    table.Add({f.service(), std::to_string(f.events_done()), Seconds(f.elapsed_seconds(), 2),
               std::to_string(static_cast<uint64_t>(f.events_per_second())), f.checksum()});
  }
  table.Print(std::cout);
}

void RunStatus(Cli& cli, const std::vector<std::string>& services) {
  auto stub = av1::AdminService::NewStub(cli.channel());
  av1::GetProjectionStatusRequest request;
  for (const std::string& s : services) request.add_services(s);
  Run<av1::GetProjectionStatusResponse>(
      cli,
      [&](grpc::ClientContext* context, av1::GetProjectionStatusResponse* response) {
        return stub->GetProjectionStatus(context, request, response);
      },
      [](const av1::GetProjectionStatusResponse& response) {
        Table table({"SERVICE", "READY", "APPLIED", "SKIPPED MALFORMED", "LAG", "CHECKSUM"});
        std::vector<std::string> notes;
        for (const auto& p : response.projections()) {
          std::string ready = p.ready() ? "yes" : "no";
          if (p.failed()) ready = "FAILED";
          if (p.rebuild_in_progress()) ready += " (rebuilding)";
          const uint64_t skipped = p.undecodable_skipped() + p.unknown_skipped();
          std::string skipped_text = std::to_string(skipped);
          if (skipped > 0) {
            skipped_text += " (" + std::to_string(p.undecodable_skipped()) + " undecodable, " +
                            std::to_string(p.unknown_skipped()) + " unknown type)";
          }
          table.Add({p.service(), ready, std::to_string(p.events_applied()), skipped_text,
                     p.lag_error().empty() ? std::to_string(p.total_lag()) : "?", p.checksum()});
          if (!p.error().empty()) notes.push_back(p.service() + ": " + p.error());
          if (!p.lag_error().empty()) notes.push_back(p.service() + ": lag: " + p.lag_error());
          if (p.rebuild_in_progress() && p.has_rebuild()) {
            notes.push_back(p.service() + ": rebuilding, " + Thousands(p.rebuild().events_done()) +
                            "/" + Thousands(p.rebuild().events_total()) + " events, ETA " +
                            Duration(p.rebuild().eta_seconds()));
          }
        }
        table.Print(std::cout);
        for (const std::string& note : notes) std::cout << note << '\n';
      });
}

void RunBackup(Cli& cli, const std::string& directory, bool deadline) {
  auto stub = av1::AdminService::NewStub(cli.channel());
  av1::BackupRequest request;
  request.set_directory(directory);
  av1::BackupResponse response;
  // A copy across file systems takes as long as the log is large: like a rebuild, only a
  // --timeout given explicitly bounds it.
  auto context = deadline ? cli.context() : std::make_unique<grpc::ClientContext>();
  const grpc::Status status = stub->Backup(context.get(), request, &response);
  if (!status.ok()) {
    cli.exit_code = cli.Fail(status);
    return;
  }
  if (cli.json) {
    PrintJson(response);
    return;
  }
  std::cout << "backed up to " << response.directory() << '\n';
  Table table({"PART", "WRITTEN TO"});
  for (const auto& part : response.parts()) {
    table.Add({part.name(), part.path().empty() ? "not copied: " + part.skipped_reason()
                                                : response.directory() + "/" + part.path()});
  }
  table.Print(std::cout);
  std::cout << "not copied: the master key (keep it apart) and the projections (rebuilt from "
               "the log)\n";
}

}  // namespace

void AddAdminCommands(CLI::App& app, Cli& cli) {
  struct Opts {
    std::vector<std::string> rebuild_services;
    std::vector<std::string> status_services;
    std::string backup_directory;
  };
  auto o = std::make_shared<Opts>();
  auto* rebuild = app.add_subcommand(
      "rebuild",
      "Rebuild the server's read models (projections) from the event log, one service after\n"
      "the other, while the current ones keep answering. Shows each service's progress on\n"
      "stderr, then a table of events, seconds and the rebuilt projection's checksum. Runs\n"
      "without a deadline unless --timeout is given; interrupting it stops the running\n"
      "rebuild and leaves the current projection in place");
  rebuild->add_option("--service", o->rebuild_services,
                      std::string("Only this service: ") + kServices +
                          " (repeatable; default every service the server hosts)");
  rebuild->callback(
      [&cli, &app, o] { RunRebuild(cli, o->rebuild_services, app.count("--timeout") > 0); });

  auto* status = app.add_subcommand(
      "status",
      "The state of the server's read models (projections): whether each service has caught\n"
      "up (ready), events applied, malformed log records skipped, lag behind the log, and\n"
      "the content checksum (equal after a rebuild from the same log)");
  status->add_option("--service", o->status_services,
                     std::string("Only this service: ") + kServices +
                         " (repeatable; default every service the server hosts)");
  status->callback([&cli, o] { RunStatus(cli, o->status_services); });

  auto* backup = app.add_subcommand(
      "backup",
      "Copy, while the server runs, what no rebuild can give back into a new directory on\n"
      "the server's host: the embedded event log (DIR/log) and the cases service's key\n"
      "store (DIR/cases/keys). A server started with --data-dir=DIR (and the master key)\n"
      "has every case back. Runs without a deadline unless --timeout is given");
  backup
      ->add_option("directory", o->backup_directory,
                   "An absolute path on the server's host that does not exist yet")
      ->required();
  backup->callback(
      [&cli, &app, o] { RunBackup(cli, o->backup_directory, app.count("--timeout") > 0); });
}

}  // namespace trappe::cli
