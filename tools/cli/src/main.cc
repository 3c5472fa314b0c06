// trappe: the command-line client for Trappe servers.
//
// Human tables by default, --json for scripts. A refused call prints
// "trappe: <CODE>: <the server's message>" on stderr and exits 1; a usage error exits 2.
#include <pwd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "context.h"

namespace {

std::string LoginName() {
  if (const char* user = std::getenv("USER"); user != nullptr && *user != '\0') return user;
  if (const passwd* entry = getpwuid(getuid()); entry != nullptr) return entry->pw_name;
  return "";
}

std::string Env(const char* name, std::string fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace trappe::cli;
  Cli cli;
  // Defaults from the environment; a flag given on the command line overrides them.
  cli.server = Env("TRAPPE_SERVER", "127.0.0.1:7474");
  cli.tenant = Env("TRAPPE_TENANT", "");
  cli.actor = Env("TRAPPE_ACTOR", LoginName());

  CLI::App app{
      "trappe: the command-line client of Trappe, the case platform for municipal children's\n"
      "services working by the Swedish (Herning) model. Talks to a trappe-server over gRPC.\n"
      "\n"
      "Terms: a municipality (kommune) is a tenant, named by its 4-digit code (0657 Herning);\n"
      "a case (sag) is one child's case; an intervention (indsats) or placement (anbringelse)\n"
      "stands on a step of the staircase (Indsatstrappen); deadlines (frister) come from the\n"
      "follow-up rules of Barnets lov and the Swedish model.",
      "trappe"};
  app.set_help_all_flag("--help-all", "Print the help of every command");
  app.require_subcommand(1);
  app.fallthrough();
  app.add_option("--server", cli.server, "The server's address host:port (env TRAPPE_SERVER)")
      ->capture_default_str();
  app.add_flag("--json", cli.json, "Print one JSON document (proto field names) instead of tables");
  app.add_option("--timeout", cli.timeout_seconds, "The deadline of every call, in seconds")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();

  app.add_subcommand("version", "Print the client version")->callback([] {
    std::cout << "trappe 0.1.0\n";
  });
  AddOrgCommands(app, cli);
  AddCaseCommands(app, cli);
  AddPlacementCommands(app, cli);
  AddSchedulingCommands(app, cli);
  AddWorkloadCommands(app, cli);
  AddAdminCommands(app, cli);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  } catch (const UsageError& e) {
    std::cerr << "trappe: " << e.what() << "\n";
    return kExitUsage;
  }
  return cli.exit_code;
}
