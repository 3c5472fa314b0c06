// A Kafka cluster in this process: librdkafka's mock cluster (rdkafka_mock.h), which
// speaks the real Kafka protocol on loopback ports it chooses. For tests, the dev broker
// and local runs; not a real broker: in memory only, no admin API (topics are created
// here), and it drops a partition's oldest data beyond about 5 MiB or 100,000 message
// sets.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "trappe/common/status.h"

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace trappe::eventlog {

class KafkaMockCluster {
 public:
  // Starts `brokers` brokers (ids 1..brokers) listening on 127.0.0.1.
  [[nodiscard]] static Result<std::unique_ptr<KafkaMockCluster>> Start(int brokers = 1);
  ~KafkaMockCluster();
  KafkaMockCluster(const KafkaMockCluster&) = delete;
  KafkaMockCluster& operator=(const KafkaMockCluster&) = delete;

  // "127.0.0.1:PORT,127.0.0.1:PORT,...".
  const std::string& bootstrap_servers() const { return bootstrap_servers_; }
  int brokers() const { return brokers_; }

  // Replication factor: the broker count, at most 3.
  [[nodiscard]] Status CreateTopic(std::string_view topic, int32_t partitions);
  // trappe.case-events.v1 and trappe.org-events.v1.
  [[nodiscard]] Status CreateTrappeTopics(int32_t partitions);

  // Fault injection: a broker that is down drops its connections and refuses new ones.
  // broker_id -1 means every broker.
  [[nodiscard]] Status SetBrokerDown(int32_t broker_id);
  [[nodiscard]] Status SetBrokerUp(int32_t broker_id);

  // For other rd_kafka_mock_* fault injection in tests.
  rd_kafka_mock_cluster_s* native_handle() const { return cluster_; }

 private:
  KafkaMockCluster() = default;

  rd_kafka_s* handle_ = nullptr;
  rd_kafka_mock_cluster_s* cluster_ = nullptr;
  std::string bootstrap_servers_;
  int brokers_ = 0;
};

}  // namespace trappe::eventlog
