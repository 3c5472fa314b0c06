// trappe: the command-line client for Trappe servers.
#include <CLI/CLI.hpp>

#include <iostream>

int main(int argc, char** argv) {
  CLI::App app{
      "trappe: the case platform for children's social services by the Swedish model.\n"
      "Talks to a Trappe server over gRPC."};
  app.require_subcommand(1);
  auto* version = app.add_subcommand("version", "Print the client version");
  version->callback([] { std::cout << "trappe 0.1.0\n"; });
  CLI11_PARSE(app, argc, argv);
  return 0;
}
