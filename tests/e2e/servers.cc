#include "servers.h"

#include <regex>

#include "trappe/testing/grpc_probe.h"

namespace trappe::e2e {

Result<RunningServer> StartServer(const std::string& binary, std::vector<std::string> args,
                                  const std::filesystem::path& output_dir,
                                  const std::vector<std::string>& services) {
  testing::ProcessOptions options;
  options.argv = {binary, "--listen", "127.0.0.1:0"};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.output_dir = output_dir;
  RunningServer server;
  TRAPPE_ASSIGN_OR_RETURN(server.process, testing::Process::Start(std::move(options)));
  TRAPPE_ASSIGN_OR_RETURN(const std::vector<std::string> listening,
                          server.process->WaitForLine(testing::Stream::kStdout,
                                                      std::regex("^Trappe is listening on (\\S+) "),
                                                      testing::Within(kPatience)));
  server.address = listening[1];
  if (Status serving =
          testing::WaitForServing(server.address, services, testing::Within(kPatience));
      !serving.ok()) {
    return serving.WithContext(binary + " at " + server.address + " (stderr: " +
                               server.process->Output(testing::Stream::kStderr) + ")");
  }
  return server;
}

Result<RunningBroker> StartDevBroker(int partitions, const std::filesystem::path& output_dir) {
  testing::ProcessOptions options;
  options.argv = {TRAPPE_DEVBROKER_BINARY, "--partitions=" + std::to_string(partitions)};
  options.output_dir = output_dir;
  RunningBroker broker;
  TRAPPE_ASSIGN_OR_RETURN(broker.process, testing::Process::Start(std::move(options)));
  TRAPPE_ASSIGN_OR_RETURN(const std::vector<std::string> first,
                          broker.process->WaitForLine(testing::Stream::kStdout,
                                                      std::regex("^(127\\.0\\.0\\.1:\\d+\\S*)$"),
                                                      testing::Within(kPatience)));
  broker.bootstrap = first[1];
  return broker;
}

}  // namespace trappe::e2e
