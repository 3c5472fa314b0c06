// trappe-devbroker: a Kafka cluster on loopback for development and tests.
//
//   trappe-devbroker [--partitions=N] [--brokers=N] [--topic=NAME[:PARTITIONS]]...
//                    [--log-level=debug|info|warn|error|off]
//
// Hosts librdkafka's mock cluster (the real Kafka protocol, in memory), creates
// trappe.case-events.v1 and trappe.org-events.v1 with N partitions (default 8) and any
// extra --topic, prints the bootstrap servers ("127.0.0.1:PORT,...") as the first line
// of stdout, then runs until SIGTERM or SIGINT. Logs go to stderr.
// Not a real broker: nothing survives a restart, and a partition's oldest records are
// dropped beyond about 5 MiB or 100,000 message sets.
#include <pthread.h>
#include <signal.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "trappe/common/log.h"
#include "trappe/eventlog/embedded_log.h"
#include "trappe/eventlog/kafka_mock_cluster.h"

namespace {

constexpr char kUsage[] =
    "usage: trappe-devbroker [--partitions=N] [--brokers=N] [--topic=NAME[:PARTITIONS]]...\n"
    "                        [--log-level=debug|info|warn|error|off]\n"
    "Runs a Kafka mock cluster on 127.0.0.1 with Trappe's topics, prints its bootstrap\n"
    "servers on the first line of stdout and runs until SIGTERM or SIGINT.\n";

struct Flags {
  int32_t partitions = trappe::eventlog::kDefaultPartitionCount;
  int brokers = 1;
  std::vector<std::pair<std::string, int32_t>> extra_topics;  // partitions 0: --partitions
  trappe::log::Level log_level = trappe::log::Level::kInfo;
};

bool ParsePositive(std::string_view text, int32_t* out) {
  int32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 1) return false;
  *out = value;
  return true;
}

// Accepts "--name=value" and "--name value".
bool TakeValue(std::string_view arg, std::string_view name, int* i, int argc, char** argv,
               std::string_view* value) {
  if (!arg.starts_with(name)) return false;
  std::string_view rest = arg.substr(name.size());
  if (rest.starts_with("=")) {
    *value = rest.substr(1);
    return true;
  }
  if (rest.empty() && *i + 1 < argc) {
    *value = argv[++*i];
    return true;
  }
  return false;
}

bool ParseFlags(int argc, char** argv, Flags* flags, std::string* error) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    std::string_view value;
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (TakeValue(arg, "--partitions", &i, argc, argv, &value)) {
      if (!ParsePositive(value, &flags->partitions)) {
        *error = "--partitions: must be a positive number";
        return false;
      }
    } else if (TakeValue(arg, "--brokers", &i, argc, argv, &value)) {
      int32_t brokers = 0;
      if (!ParsePositive(value, &brokers) || brokers > 32) {
        *error = "--brokers: must be between 1 and 32";
        return false;
      }
      flags->brokers = brokers;
    } else if (TakeValue(arg, "--topic", &i, argc, argv, &value)) {
      const size_t colon = value.find(':');
      int32_t partitions = 0;
      if (colon != std::string_view::npos && !ParsePositive(value.substr(colon + 1), &partitions)) {
        *error = "--topic: expected NAME or NAME:PARTITIONS";
        return false;
      }
      flags->extra_topics.emplace_back(std::string(value.substr(0, colon)), partitions);
    } else if (TakeValue(arg, "--log-level", &i, argc, argv, &value)) {
      if (!trappe::log::ParseLevel(value, &flags->log_level)) {
        *error = "--log-level: expected debug, info, warn, error or off";
        return false;
      }
    } else {
      *error = "unknown argument: " + std::string(arg);
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  std::string error;
  if (!ParseFlags(argc, argv, &flags, &error)) {
    std::fprintf(stderr, "trappe-devbroker: %s\n%s", error.c_str(), kUsage);
    return 2;
  }
  trappe::log::Init(flags.log_level);

  // Block the stop signals before librdkafka starts threads, so they inherit the mask
  // and only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto cluster = trappe::eventlog::KafkaMockCluster::Start(flags.brokers);
  if (!cluster.ok()) {
    trappe::log::Error("devbroker.start_failed", {{"error", cluster.status().ToString()}});
    return 1;
  }
  trappe::Status created = (*cluster)->CreateTrappeTopics(flags.partitions);
  for (const auto& [name, partitions] : flags.extra_topics) {
    if (!created.ok()) break;
    created = (*cluster)->CreateTopic(name, partitions > 0 ? partitions : flags.partitions);
  }
  if (!created.ok()) {
    trappe::log::Error("devbroker.topic_failed", {{"error", created.ToString()}});
    return 1;
  }

  std::printf("%s\n", (*cluster)->bootstrap_servers().c_str());
  std::fflush(stdout);
  trappe::log::Info("devbroker.ready", {{"bootstrap_servers", (*cluster)->bootstrap_servers()},
                                        {"brokers", flags.brokers},
                                        {"partitions", flags.partitions}});

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  trappe::log::Info("devbroker.stopping", {{"signal", strsignal(signal_number)}});
  cluster->reset();
  return 0;
}
