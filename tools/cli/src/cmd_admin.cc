// rebuild: rebuilding the servers' read models.
#include <iostream>

#include "context.h"

namespace trappe::cli {

void AddAdminCommands(CLI::App& app, Cli& cli) {
  struct Opts {
    std::string service;
  };
  auto o = std::make_shared<Opts>();
  auto* rebuild = app.add_subcommand(
      "rebuild",
      "Rebuild a service's read models (projections) from the event log, with progress.\n"
      "The current server API has no rebuild call: rebuild by stopping the service and\n"
      "starting it on an empty projection directory (it replays the log before serving).");
  rebuild->add_option("--service", o->service, "cases, placements, scheduling or workload");
  AddCommandFlags(*rebuild, cli, /*has_version=*/false);
  rebuild->callback([&cli] {
    std::cerr << "trappe: UNIMPLEMENTED: rebuild is not supported by this server (its API has "
                 "no rebuild call); stop the service and start it on an empty projection "
                 "directory to rebuild from the log\n";
    cli.exit_code = kExitServerError;
  });
}

}  // namespace trappe::cli
