// Fault 1 and Fault 3 (DESIGN.md section 10) on a distributed Trappe: the dev broker and
// the four services as processes of their own.
//  - Fault 1: a load of a few thousand commands while each service in turn is killed with
//    SIGKILL and started again. Every acknowledged command's events are in the log
//    exactly once, and every projection's checksum equals its checksum after a rebuild.
//  - Fault 3: a malformed record put on each topic with kcat is counted and skipped by
//    every service that reads the topic; none crashes, and commands still work.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "cluster.h"
#include "read_topic.h"
#include "requests.h"
#include "trappe/cases/v1/service.grpc.pb.h"
#include "trappe/eventlog/open.h"
#include "trappe/events/v1/envelope.pb.h"
#include "trappe/testing/status_matchers.h"
#include "trappe/workload/v1/service.grpc.pb.h"

namespace trappe::fault {
namespace {

namespace wl = trappe::workload::v1;
namespace cs = trappe::cases::v1;
using Clock = std::chrono::steady_clock;
using std::chrono::seconds;

constexpr char kTenant[] = "0657";

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + seconds(10));
  return context;
}

// The positions an acknowledged command wrote, "topic:partition:offset".
using Positions = std::set<std::string>;

template <typename Response>
Positions PositionsOf(const Response& response) {
  Positions out;
  for (const auto& p : response.positions()) {
    out.insert(p.topic() + ":" + std::to_string(p.partition()) + ":" + std::to_string(p.offset()));
  }
  return out;
}

// Sends commands to workload and cases; retries a command with the same request_id while
// the service is unavailable or the call timed out (its process may be down), as a client
// should. Thread-safe.
class Client {
 public:
  explicit Client(Cluster* cluster) : cluster_(cluster) {}

  Status Register() {
    const wl::RegisterMunicipalityRequest r = RegisterHerning(kTenant);
    return Retry<wl::RegisterMunicipalityResponse>(
        "workload", r.request_id(), [&](const auto& channel, auto* out) {
          return wl::WorkloadService::NewStub(channel)->RegisterMunicipality(Context().get(), r,
                                                                             out);
        });
  }

  // Command `n`: even numbers create a team (workload), odd ones open a case (cases).
  Status Command(int n) {
    if (n % 2 == 0) {
      wl::CreateTeamRequest r;
      r.set_tenant(kTenant);
      r.set_request_id("team-" + std::to_string(n));
      r.set_actor("admin");
      r.set_team_id("team-" + std::to_string(n));
      r.set_name("Team " + std::to_string(n));
      return Retry<wl::CreateTeamResponse>(
          "workload", r.request_id(), [&](const auto& channel, auto* out) {
            return wl::WorkloadService::NewStub(channel)->CreateTeam(Context().get(), r, out);
          });
    }
    cs::OpenCaseRequest r;
    r.set_tenant(kTenant);
    r.set_request_id("case-" + std::to_string(n));
    r.set_actor("anna");
    char cpr[16];
    std::snprintf(cpr, sizeof cpr, "%02d%02d20%04d", 1 + n % 28, 1 + (n / 28) % 12, n % 10000);
    r.mutable_personal_data()->set_cpr_number(cpr);
    r.mutable_personal_data()->set_given_name("Barn");
    r.mutable_personal_data()->set_family_name("Nummer " + std::to_string(n));
    r.set_legal_basis(cs::LEGAL_BASIS_APPLICATION);
    r.mutable_opened_on()->set_year(2026);
    r.mutable_opened_on()->set_month(3);
    r.mutable_opened_on()->set_day(2);
    r.set_team_id("vest");
    r.set_caseworker_id("anna");
    r.set_grade(cs::CASE_GRADE_COMPLEX);
    return Retry<cs::OpenCaseResponse>(
        "cases", r.request_id(), [&](const auto& channel, auto* out) {
          return cs::CaseService::NewStub(channel)->OpenCase(Context().get(), r, out);
        });
  }

  std::map<std::string, Positions> acknowledged() const {
    std::lock_guard lock(mu_);
    return acknowledged_;
  }
  int retries() const { return retries_; }

 private:
  template <typename Response, typename Call>
  Status Retry(const std::string& service, const std::string& request_id, const Call& call) {
    const auto give_up = Clock::now() + seconds(120);
    while (true) {
      Response out;
      const std::shared_ptr<grpc::Channel> channel = cluster_->channel(service);
      const grpc::Status s = call(channel, &out);
      if (s.ok()) {
        std::lock_guard lock(mu_);
        acknowledged_[request_id] = PositionsOf(out);
        return Status::Ok();
      }
      const bool transient = s.error_code() == grpc::StatusCode::UNAVAILABLE ||
                             s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
      if (!transient || Clock::now() >= give_up) {
        return Internal(request_id + ": " + std::to_string(s.error_code()) + " " +
                        s.error_message());
      }
      ++retries_;
    }
  }

  Cluster* const cluster_;
  mutable std::mutex mu_;
  std::map<std::string, Positions> acknowledged_;
  std::atomic<int> retries_{0};
};

// Every record of both topics, read back through the EventLog API: request_id -> the
// positions of its events. Fails the test on an event id seen twice.
std::map<std::string, Positions> EventsByRequest(const std::string& log_url, int* undecodable) {
  std::map<std::string, Positions> out;
  auto log = eventlog::OpenEventLog(log_url);
  EXPECT_OK(log);
  if (!log.ok()) return out;
  std::set<std::string> event_ids;
  for (std::string_view topic : {eventlog::kCaseEventsTopic, eventlog::kOrgEventsTopic}) {
    auto records = fault::ReadWholeTopic(**log, topic);
    EXPECT_OK(records);
    if (!records.ok()) return out;
    for (const eventlog::StoredRecord& record : *records) {
      events::v1::EventEnvelope envelope;
      if (!envelope.ParseFromString(record.value) || envelope.event_id().empty()) {
        ++*undecodable;
        continue;
      }
      EXPECT_TRUE(event_ids.insert(envelope.event_id()).second)
          << "event " << envelope.event_id() << " is in the log twice";
      out[envelope.request_id()].insert(record.position.topic + ":" +
                                        std::to_string(record.position.partition) + ":" +
                                        std::to_string(record.position.offset));
    }
  }
  (*log)->Close();
  return out;
}

class ProcessFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(cluster_, Cluster::Start(dir_));
    client_ = std::make_unique<Client>(cluster_.get());
    ASSERT_OK(client_->Register());
  }

  trappe::testing::TempDir dir_;
  std::unique_ptr<Cluster> cluster_;
  std::unique_ptr<Client> client_;
};

TEST_F(ProcessFaultTest, FaultKillNineEachServiceUnderLoadLosesAndDoublesNothing) {
  constexpr int kCommands = 2400;
  constexpr int kThreads = 4;
  std::atomic<int> next{0};
  std::atomic<int> done{0};
  std::mutex mu;
  std::condition_variable progressed;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int n = next++; n < kCommands; n = next++) {
        Status s = client_->Command(n);
        std::lock_guard lock(mu);
        if (!s.ok()) errors.push_back(s.ToString());
        ++done;
        progressed.notify_all();
      }
    });
  }
  // Kill each service in turn while the load runs, once it has made some progress.
  int step = 0;
  for (const std::string& service : ServiceNames()) {
    const int at = (++step) * kCommands / 6;
    {
      std::unique_lock lock(mu);
      progressed.wait(lock, [&] { return done >= at; });
    }
    SCOPED_TRACE("restarting " + service);
    EXPECT_OK(cluster_->KillAndRestart(service));
  }
  for (std::thread& t : threads) t.join();
  ASSERT_TRUE(errors.empty()) << errors.size() << " commands failed, e.g. " << errors[0];

  // Every acknowledged command's events are in the log exactly once, at the positions
  // the service reported, and the log holds nothing else.
  const std::map<std::string, Positions> acknowledged = client_->acknowledged();
  EXPECT_EQ(acknowledged.size(), static_cast<size_t>(kCommands) + 1);
  int undecodable = 0;
  const std::map<std::string, Positions> in_log =
      EventsByRequest(cluster_->log_url(), &undecodable);
  EXPECT_EQ(undecodable, 0);
  for (const auto& [request_id, positions] : acknowledged) {
    const auto it = in_log.find(request_id);
    ASSERT_NE(it, in_log.end()) << request_id << " was acknowledged but is not in the log";
    EXPECT_EQ(it->second, positions) << request_id;
  }
  EXPECT_EQ(in_log.size(), acknowledged.size());

  // Every projection equals a clean rebuild from the log.
  for (const std::string& service : ServiceNames()) {
    SCOPED_TRACE(service);
    ASSERT_OK_AND_ASSIGN(admin::v1::ProjectionStatus live, cluster_->WaitCaughtUp(service));
    EXPECT_FALSE(live.failed()) << live.error();
    ASSERT_OK_AND_ASSIGN(const std::string rebuilt, cluster_->Rebuild(service));
    EXPECT_EQ(live.checksum(), rebuilt);
  }
  std::printf("commands: %d, client retries while services were down: %d\n", kCommands,
              client_->retries());
}

TEST_F(ProcessFaultTest, FaultMalformedRecordsPutWithKcatAreCountedAndSkippedByEveryService) {
  const std::string kcat = testing::FindOnPath("kcat");
  if (kcat.empty()) GTEST_SKIP() << "kcat is not installed";
  for (int n = 0; n < 4; ++n) ASSERT_OK(client_->Command(n));

  std::map<std::string, admin::v1::ProjectionStatus> before;
  for (const std::string& service : ServiceNames()) {
    ASSERT_OK_AND_ASSIGN(before[service], cluster_->WaitCaughtUp(service));
  }
  // Garbage bytes, not a protobuf envelope, on each topic: once bare, as `kcat -P` puts
  // them, and once typed as another system's event. Neither can be a Trappe event (every
  // Trappe writer sets the type header and writes an envelope), so every service skips both.
  constexpr int kMalformedPerTopic = 2;
  for (std::string_view topic : {eventlog::kCaseEventsTopic, eventlog::kOrgEventsTopic}) {
    const std::string input = dir_.Sub("garbage-" + std::string(topic));
    std::ofstream(input, std::ios::binary) << std::string("\xff\xfe\x00\x13garbage\x80\x81", 13);
    for (const bool typed : {false, true}) {
      std::vector<std::string> argv = {kcat, "-P", "-b", cluster_->bootstrap_servers()};
      argv.insert(argv.end(), {"-t", std::string(topic), "-p", "0", "-k", "0657/garbage"});
      if (typed) argv.insert(argv.end(), {"-H", "trappe-event-type=acme.audit.v1.Note"});
      argv.insert(argv.end(), {"-l", input});
      ASSERT_OK_AND_ASSIGN(trappe::testing::RunResult put,
                           trappe::testing::RunToCompletion(
                               {.argv = argv,
                                .output_dir = dir_.path() / ("kcat-" + std::string(topic) +
                                                             (typed ? "-typed" : ""))},
                               trappe::testing::Within(seconds(30))));
      ASSERT_TRUE(put.exit.ExitedWith(0)) << put.exit << put.err;
    }
  }
  // Commands still work afterwards, and every service applies them.
  for (int n = 4; n < 8; ++n) ASSERT_OK(client_->Command(n));

  const std::map<std::string, int> topics_read = {
      {"workload", 2}, {"cases", 1}, {"placements", 2}, {"scheduling", 2}};
  for (const std::string& service : ServiceNames()) {
    SCOPED_TRACE(service);
    ASSERT_OK_AND_ASSIGN(admin::v1::ProjectionStatus after, cluster_->WaitCaughtUp(service));
    EXPECT_TRUE(cluster_->Running(service)) << service;
    EXPECT_FALSE(after.failed()) << service << ": " << after.error();
    const uint64_t skipped = after.undecodable_skipped() + after.unknown_skipped() -
                             before[service].undecodable_skipped() -
                             before[service].unknown_skipped();
    EXPECT_EQ(skipped, static_cast<uint64_t>(kMalformedPerTopic * topics_read.at(service)))
        << service;
    EXPECT_GT(after.events_applied(), before[service].events_applied()) << service;
  }
}

}  // namespace
}  // namespace trappe::fault
