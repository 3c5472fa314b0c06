// Fault 2: broker errors during a stream of commands against the Kafka log (DESIGN.md
// section 10). A Trappe host runs the workload and scheduling services on librdkafka's mock
// cluster in this process; the test injects errors into Produce requests and takes the
// broker down and up again while a client sends commands. Afterwards the log, read back
// through the EventLog API, holds every acknowledged command's event exactly once and no
// event of a command that failed.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "read_topic.h"
#include "requests.h"
#include "trappe/eventlog/kafka_mock_cluster.h"
#include "trappe/eventlog/open.h"
#include "trappe/events/v1/envelope.pb.h"
#include "trappe/host/host.h"
#include "trappe/testing/status_matchers.h"
#include "trappe/testing/temp_dir.h"
#include "trappe/workload/v1/service.grpc.pb.h"

namespace trappe::fault {
namespace {

namespace wl = trappe::workload::v1;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

constexpr int16_t kProduceApiKey = 0;  // Kafka protocol: ProduceRequest
constexpr char kTenant[] = "0657";

// What the client was told about one command (one request_id).
struct Outcome {
  grpc::StatusCode code = grpc::StatusCode::UNKNOWN;
  std::string message;
  bool acknowledged() const { return code == grpc::StatusCode::OK; }
};

class BrokerFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(cluster_, eventlog::KafkaMockCluster::Start(1));
    ASSERT_OK(cluster_->CreateTrappeTopics(4));
    // A delivery timeout shorter than the client's deadline: a command fails with
    // UNAVAILABLE while the broker is away, it does not run into the deadline.
    log_url_ = "kafka://" + cluster_->bootstrap_servers() +
               "?message.timeout.ms=1500&operation.timeout.ms=1500&reconnect.backoff.ms=20";
    host::HostOptions options;
    options.targets = {"workload", "scheduling"};
    options.listen_address = "127.0.0.1:0";
    options.data_dir = dir_.path() / "data";
    options.log_url = log_url_;
    ASSERT_OK_AND_ASSIGN(host_, host::Host::Start(options));
    ASSERT_OK(host_->WaitUntilReady(Clock::now() + std::chrono::minutes(1)));
    stub_ = wl::WorkloadService::NewStub(
        grpc::CreateChannel(host_->address(), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (host_) host_->Stop();
  }

  std::unique_ptr<grpc::ClientContext> Context() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + seconds(10));
    return context;
  }

  Outcome Register() {
    const wl::RegisterMunicipalityRequest r = RegisterHerning(kTenant);
    wl::RegisterMunicipalityResponse out;
    const grpc::Status s = stub_->RegisterMunicipality(Context().get(), r, &out);
    return Record("register", s);
  }

  // One command, one event on trappe.org-events.v1: a new team.
  Outcome CreateTeam(int n) {
    const std::string id = "team-" + std::to_string(n);
    wl::CreateTeamRequest r;
    r.set_tenant(kTenant);
    r.set_request_id("create-" + id);
    r.set_actor("admin");
    r.set_team_id(id);
    r.set_name("Team " + std::to_string(n));
    wl::CreateTeamResponse out;
    return Record(r.request_id(), stub_->CreateTeam(Context().get(), r, &out));
  }

  // Retries with the same request_id while the service answers UNAVAILABLE, as a client
  // should; the final answer is what counts.
  Outcome CreateTeamRetrying(int n) {
    const auto give_up = Clock::now() + seconds(60);
    Outcome outcome = CreateTeam(n);
    while (outcome.code == grpc::StatusCode::UNAVAILABLE && Clock::now() < give_up) {
      outcome = CreateTeam(n);
    }
    return outcome;
  }

  Outcome Record(const std::string& request_id, const grpc::Status& s) {
    Outcome outcome{s.error_code(), s.error_message()};
    outcomes_[request_id] = outcome;
    return outcome;
  }

  // request_id -> how many events of that request the org topic holds, read through the
  // EventLog API from a log of its own; also checks that no event id repeats.
  std::map<std::string, int> EventsByRequest() {
    std::map<std::string, int> count;
    auto log = eventlog::OpenEventLog(log_url_);
    EXPECT_OK(log);
    if (!log.ok()) return count;
    auto records = fault::ReadWholeTopic(**log, eventlog::kOrgEventsTopic);
    EXPECT_OK(records);
    if (!records.ok()) return count;
    std::set<std::string> event_ids;
    for (const eventlog::StoredRecord& record : *records) {
      events::v1::EventEnvelope envelope;
      EXPECT_TRUE(envelope.ParseFromString(record.value));
      EXPECT_TRUE(event_ids.insert(envelope.event_id()).second)
          << "event " << envelope.event_id() << " is in the log twice";
      ++count[envelope.request_id()];
    }
    (*log)->Close();
    return count;
  }

  trappe::testing::TempDir dir_;
  std::unique_ptr<eventlog::KafkaMockCluster> cluster_;
  std::string log_url_;
  std::unique_ptr<host::Host> host_;
  std::unique_ptr<wl::WorkloadService::Stub> stub_;
  std::map<std::string, Outcome> outcomes_;  // by request_id
};

TEST_F(BrokerFaultTest,
       FaultBrokerErrorsAndOutageKeepAcknowledgedCommandsExactlyOnceAndFailedOnesAbsent) {
  ASSERT_EQ(Register().code, grpc::StatusCode::OK) << outcomes_["register"].message;
  int n = 0;
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(CreateTeam(++n).acknowledged()) << outcomes_.rbegin()->second.message;

  // Errors on Produce requests: retriable ones the idempotent producer retries, and
  // refusals that fail the command.
  const rd_kafka_resp_err_t errors[] = {
      RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
      RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
      RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
      RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
      RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION,
      RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
  };
  int refused = 0;
  for (int i = 0; i < 36; ++i) {
    if (i % 2 == 0) {
      rd_kafka_mock_push_request_errors(cluster_->native_handle(), kProduceApiKey, 1,
                                        errors[(i / 2) % std::size(errors)]);
    }
    const Outcome outcome = CreateTeam(++n);
    if (!outcome.acknowledged()) {
      ++refused;
      EXPECT_NE(outcome.code, grpc::StatusCode::DEADLINE_EXCEEDED) << outcome.message;
    }
  }
  EXPECT_GT(refused, 0) << "the refusals injected should fail some commands";

  // The broker goes away: commands fail with UNAVAILABLE (not the client's deadline).
  ASSERT_OK(cluster_->SetBrokerDown(-1));
  for (int i = 0; i < 4; ++i) {
    const Outcome outcome = CreateTeam(++n);
    EXPECT_EQ(outcome.code, grpc::StatusCode::UNAVAILABLE) << outcome.message;
  }

  // It comes back: commands work again (a client retries with the same request_id).
  ASSERT_OK(cluster_->SetBrokerUp(-1));
  for (int i = 0; i < 20; ++i) {
    const Outcome outcome = CreateTeamRetrying(++n);
    ASSERT_TRUE(outcome.acknowledged()) << outcome.message;
  }

  const std::map<std::string, int> in_log = EventsByRequest();
  int acknowledged = 0;
  int failed = 0;
  for (const auto& [request_id, outcome] : outcomes_) {
    const auto it = in_log.find(request_id);
    const int events = it == in_log.end() ? 0 : it->second;
    if (outcome.acknowledged()) {
      ++acknowledged;
      EXPECT_EQ(events, 1) << request_id << " was acknowledged";
    } else {
      ++failed;
      EXPECT_EQ(events, 0) << request_id << " failed: " << outcome.message;
    }
  }
  EXPECT_GE(acknowledged, 41);
  EXPECT_GE(failed, 4);
  for (const auto& [request_id, events] : in_log) {
    EXPECT_TRUE(outcomes_.contains(request_id)) << "an event of an unknown request " << request_id;
  }
}

}  // namespace
}  // namespace trappe::fault
