// trappe-server's settings from a config file (TOML or INI), the command line and the
// environment, as a distributed deployment passes them.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <string>
#include <vector>

#include "trappe/host/host.h"
#include "trappe/testing/temp_dir.h"

namespace trappe::host {
namespace {

std::optional<int> Parse(std::vector<std::string> args, ServerFlags* flags) {
  args.insert(args.begin(), "trappe-server");
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  return ParseServerFlags(static_cast<int>(argv.size()), argv.data(), {"all"}, flags);
}

class ServerFlagsTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_.Sub(name);
    std::ofstream(path) << text;
    return path;
  }
  trappe::testing::TempDir dir_;
};

TEST_F(ServerFlagsTest, TomlConfigFileSetsEveryOption) {
  const std::string file = Write("cases.toml",
                                 "# one service of a distributed deployment\n"
                                 "target = [\"cases\"]\n"
                                 "listen = \"0.0.0.0:7481\"\n"
                                 "data-dir = \"/var/lib/trappe/cases\"\n"
                                 "log = \"kafka://kafka-0:9093,kafka-1:9093?topic.prefix=staging."
                                 "&security.protocol=SASL_SSL\"\n"
                                 "workload-address = \"workload:7474\"\n"
                                 "master-key-file = \"/etc/trappe/master.key\"\n"
                                 "log-format = \"json\"\n");
  ServerFlags flags;
  ASSERT_EQ(Parse({"--config", file}, &flags), std::nullopt);
  EXPECT_EQ(flags.host.targets, std::vector<std::string>{"cases"});
  EXPECT_EQ(flags.host.listen_address, "0.0.0.0:7481");
  EXPECT_EQ(flags.host.data_dir, "/var/lib/trappe/cases");
  EXPECT_EQ(flags.host.log_url,
            "kafka://kafka-0:9093,kafka-1:9093?topic.prefix=staging.&security.protocol=SASL_SSL");
  EXPECT_EQ(flags.host.workload_address, "workload:7474");
  EXPECT_EQ(flags.host.master_key_file, "/etc/trappe/master.key");
  EXPECT_EQ(flags.log_format, "json");
  EXPECT_EQ(flags.log_level, "info");
}

TEST_F(ServerFlagsTest, IniConfigFileWorksAndTheCommandLineOverridesIt) {
  const std::string file = Write("server.ini",
                                 "; ini style\n"
                                 "target=workload,scheduling\n"
                                 "listen=127.0.0.1:7000\n"
                                 "log-level=debug\n");
  ServerFlags flags;
  ASSERT_EQ(Parse({"--config=" + file, "--listen=127.0.0.1:7001"}, &flags), std::nullopt);
  EXPECT_EQ(flags.host.targets, (std::vector<std::string>{"workload", "scheduling"}));
  EXPECT_EQ(flags.host.listen_address, "127.0.0.1:7001");
  EXPECT_EQ(flags.log_level, "debug");
}

TEST_F(ServerFlagsTest, ConfigFileOverridesTheEnvironmentWhichGivesDefaults) {
  const std::string file = Write("server.toml", "log = \"kafka://from-file:9092\"\n");
  ::setenv("TRAPPE_LOG", "kafka://from-env:9092", 1);
  ::setenv("TRAPPE_LISTEN", "127.0.0.1:7999", 1);
  ServerFlags flags;
  const std::optional<int> exit_code = Parse({"--config", file}, &flags);
  ::unsetenv("TRAPPE_LOG");
  ::unsetenv("TRAPPE_LISTEN");
  ASSERT_EQ(exit_code, std::nullopt);
  EXPECT_EQ(flags.host.log_url, "kafka://from-file:9092");
  EXPECT_EQ(flags.host.listen_address, "127.0.0.1:7999");
}

TEST_F(ServerFlagsTest, MissingConfigFileOrUnknownKeyEndsWithAnError) {
  ServerFlags missing;
  const std::optional<int> no_file = Parse({"--config", dir_.Sub("absent.toml")}, &missing);
  ASSERT_TRUE(no_file.has_value());
  EXPECT_NE(*no_file, 0);

  const std::string file = Write("typo.toml", "lisen = \"0.0.0.0:1\"\n");
  ServerFlags typo;
  const std::optional<int> unknown = Parse({"--config", file}, &typo);
  ASSERT_TRUE(unknown.has_value());
  EXPECT_NE(*unknown, 0);
}

TEST_F(ServerFlagsTest, WithoutFlagsTheDefaultsRunEverythingEmbedded) {
  ServerFlags flags;
  ASSERT_EQ(Parse({}, &flags), std::nullopt);
  EXPECT_EQ(flags.host.targets, std::vector<std::string>{"all"});
  EXPECT_EQ(flags.host.listen_address, "127.0.0.1:7474");
  EXPECT_TRUE(flags.host.log_url.empty());
}

}  // namespace
}  // namespace trappe::host
