// The backends the conformance suite runs against. Each opens (and re-opens) logs that
// share one store: a directory for Embedded, an in-process mock Kafka cluster for Kafka.
// Both carry the test topics: kTopic (kPartitions partitions) and kOtherTopic (2).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "trappe/common/status.h"
#include "trappe/eventlog/embedded_log.h"
#include "trappe/eventlog/event_log.h"
#include "trappe/eventlog/kafka_log.h"
#include "trappe/eventlog/kafka_mock_cluster.h"
#include "trappe/testing/temp_dir.h"

namespace trappe::eventlog::testing {

inline constexpr std::string_view kTopic = kCaseEventsTopic;
inline constexpr std::string_view kOtherTopic = kOrgEventsTopic;
inline constexpr int32_t kPartitions = 4;
inline constexpr int32_t kOtherPartitions = 2;

class Embedded {
 public:
  static constexpr const char* kName = "Embedded";

  Result<std::unique_ptr<EventLog>> Open() {
    EmbeddedLogOptions options;
    options.directory = dir_.Sub("log");
    options.topics = {{std::string(kTopic), kPartitions},
                      {std::string(kOtherTopic), kOtherPartitions}};
    return OpenEmbeddedLog(std::move(options));
  }

 private:
  trappe::testing::TempDir dir_;
};

// A mock cluster of one broker (three make the mock ~1 s slower per test for no more
// coverage of the log itself).
class Kafka {
 public:
  static constexpr const char* kName = "Kafka";

  Kafka() {
    auto cluster = KafkaMockCluster::Start(1);
    if (!cluster.ok()) {
      status_ = cluster.status();
      return;
    }
    cluster_ = std::move(cluster).value();
    status_ = cluster_->CreateTopic(kTopic, kPartitions);
    if (status_.ok()) status_ = cluster_->CreateTopic(kOtherTopic, kOtherPartitions);
  }

  KafkaLogOptions Options() const {
    KafkaLogOptions options;
    options.bootstrap_servers = cluster_ ? cluster_->bootstrap_servers() : "";
    return options;
  }

  Result<std::unique_ptr<EventLog>> Open() {
    if (!status_.ok()) return status_;
    return OpenKafkaLog(Options());
  }

  KafkaMockCluster& cluster() { return *cluster_; }

 private:
  Status status_;
  std::unique_ptr<KafkaMockCluster> cluster_;
};

using Backends = ::testing::Types<Embedded, Kafka>;

}  // namespace trappe::eventlog::testing
