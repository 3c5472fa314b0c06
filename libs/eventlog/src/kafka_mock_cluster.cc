#include "trappe/eventlog/kafka_mock_cluster.h"

// clang-format off
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
// clang-format on

#include <algorithm>
#include <string>

#include "kafka_util.h"
#include "trappe/eventlog/event_log.h"

namespace trappe::eventlog {

Result<std::unique_ptr<KafkaMockCluster>> KafkaMockCluster::Start(int brokers) {
  if (brokers < 1 || brokers > 32) return InvalidArgument("brokers", "must be between 1 and 32");
  // The mock cluster needs an rd_kafka_t for its bookkeeping; this one never produces.
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  rd_kafka_conf_set_log_cb(conf, internal::LogFromLibrdkafka);
  // log_level 3: the handle's own notices (e.g. "no bootstrap.servers") are noise.
  if (rd_kafka_conf_set(conf, "client.id", "trappe-mock-cluster", errstr, sizeof errstr) !=
          RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    return Internal(std::string("mock cluster configuration: ") + errstr);
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Internal(std::string("cannot create the mock cluster's handle: ") + errstr);
  }
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(rk, brokers);
  if (cluster == nullptr) {
    rd_kafka_destroy(rk);
    return Unavailable("cannot start a mock Kafka cluster (no loopback listener?)");
  }
  std::unique_ptr<KafkaMockCluster> out(new KafkaMockCluster());
  out->handle_ = rk;
  out->cluster_ = cluster;
  out->brokers_ = brokers;
  out->bootstrap_servers_ = rd_kafka_mock_cluster_bootstraps(cluster);
  return out;
}

KafkaMockCluster::~KafkaMockCluster() {
  if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
  if (handle_ != nullptr) rd_kafka_destroy(handle_);
}

Status KafkaMockCluster::CreateTopic(std::string_view topic, int32_t partitions) {
  TRAPPE_RETURN_IF_ERROR(ValidateTopicName(topic));
  if (partitions < 1) return InvalidArgument("partitions", "must be at least 1");
  const std::string name(topic);
  const rd_kafka_resp_err_t err =
      rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, std::min(brokers_, 3));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Internal("cannot create topic " + name + " on the mock cluster: " + rd_kafka_err2str(err));
  }
  return Status::Ok();
}

Status KafkaMockCluster::CreateTrappeTopics(int32_t partitions) {
  TRAPPE_RETURN_IF_ERROR(CreateTopic(kCaseEventsTopic, partitions));
  return CreateTopic(kOrgEventsTopic, partitions);
}

Status KafkaMockCluster::SetBrokerDown(int32_t broker_id) {
  const rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_down(cluster_, broker_id);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return Internal(rd_kafka_err2str(err));
  return Status::Ok();
}

Status KafkaMockCluster::SetBrokerUp(int32_t broker_id) {
  const rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_up(cluster_, broker_id);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return Internal(rd_kafka_err2str(err));
  return Status::Ok();
}

}  // namespace trappe::eventlog
