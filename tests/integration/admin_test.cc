// The admin API (trappe.admin.v1.AdminService) over real gRPC: against the real host, all
// services in one process or one service alone, and against the workload service in the
// services' test harness where records can be written straight to the log.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "trappe/admin/admin_service.h"
#include "trappe/admin/v1/admin.grpc.pb.h"
#include "trappe/cases/v1/service.grpc.pb.h"
#include "trappe/common/status_grpc.h"
#include "trappe/eventlog/kafka_log.h"
#include "trappe/eventlog/kafka_mock_cluster.h"
#include "trappe/events/headers.h"
#include "trappe/events/v1/envelope.pb.h"
#include "trappe/host/host.h"
#include "trappe/service/convert.h"
#include "trappe/testing/service_harness.h"
#include "trappe/testing/status_matchers.h"
#include "trappe/testing/temp_dir.h"
#include "trappe/workload/module.h"
#include "trappe/workload/v1/service.grpc.pb.h"

namespace trappe::admin {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::trappe::testing::ServiceHarness;
namespace wl = ::trappe::workload::v1;

constexpr char kTenant[] = "0657";

auto InAMinute() { return std::chrono::steady_clock::now() + std::chrono::minutes(1); }

std::unique_ptr<grpc::ClientContext> Context() { return ServiceHarness::Context(); }

// Registers Herning with every preset, a team and two caseworkers: events on the org topic
// that every service reads its part of.
void WriteOrganisation(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = wl::WorkloadService::NewStub(channel);
  wl::RegisterMunicipalityRequest municipality;
  municipality.set_tenant(kTenant);
  municipality.set_request_id("register");
  municipality.set_actor("admin");
  municipality.set_name("Herning Kommune");
  for (const char* preset :
       {"national-staircase", "barnets-lov", "sverigesmodel", "default-weights"}) {
    municipality.add_presets(preset);
  }
  *municipality.mutable_effective_from() =
      service::ToProtoDate(CivilDate::Parse("2026-01-01").value());
  wl::RegisterMunicipalityResponse registered;
  ASSERT_TRUE(stub->RegisterMunicipality(Context().get(), municipality, &registered).ok());

  wl::CreateTeamRequest team;
  team.set_tenant(kTenant);
  team.set_request_id("team");
  team.set_actor("admin");
  team.set_team_id("vest");
  team.set_name("Vest");
  wl::CreateTeamResponse created;
  ASSERT_TRUE(stub->CreateTeam(Context().get(), team, &created).ok());

  for (const char* id : {"anna", "bo"}) {
    wl::RegisterCaseworkerRequest caseworker;
    caseworker.set_tenant(kTenant);
    caseworker.set_request_id(std::string("caseworker-") + id);
    caseworker.set_actor("admin");
    caseworker.set_caseworker_id(id);
    caseworker.set_display_name(id);
    caseworker.set_team_id("vest");
    caseworker.set_fte_milli(1000);
    *caseworker.mutable_start_date() = service::ToProtoDate(CivilDate::Parse("2026-01-01").value());
    wl::RegisterCaseworkerResponse done;
    ASSERT_TRUE(stub->RegisterCaseworker(Context().get(), caseworker, &done).ok());
  }
}

// Opens a case with anna as its caseworker: events on the case topic.
void OpenCase(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = cases::v1::CaseService::NewStub(channel);
  cases::v1::OpenCaseRequest request;
  request.set_tenant(kTenant);
  request.set_request_id("open");
  request.set_actor("anna");
  request.mutable_personal_data()->set_cpr_number("0101201234");
  request.mutable_personal_data()->set_given_name("Sofie");
  request.mutable_personal_data()->set_family_name("Jensen");
  request.set_legal_basis(cases::v1::LEGAL_BASIS_REPORT_OF_CONCERN);
  *request.mutable_opened_on() = service::ToProtoDate(CivilDate::Parse("2026-02-16").value());
  request.set_team_id("vest");
  request.set_caseworker_id("anna");
  request.set_grade(cases::v1::CASE_GRADE_COMPLEX);
  cases::v1::OpenCaseResponse response;
  const grpc::Status status = stub->OpenCase(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
}

Result<v1::GetProjectionStatusResponse> GetStatus(v1::AdminService::Stub& admin,
                                                  std::vector<std::string> services = {}) {
  v1::GetProjectionStatusRequest request;
  for (const std::string& s : services) request.add_services(s);
  v1::GetProjectionStatusResponse response;
  const grpc::Status status = admin.GetProjectionStatus(Context().get(), request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

// Waits (within a minute) until `done` holds for the status of every projection.
Result<v1::GetProjectionStatusResponse> WaitForStatus(
    v1::AdminService::Stub& admin, const std::function<bool(const v1::ProjectionStatus&)>& done) {
  const auto deadline = InAMinute();
  while (true) {
    TRAPPE_ASSIGN_OR_RETURN(v1::GetProjectionStatusResponse response, GetStatus(admin));
    bool all = true;
    for (const auto& p : response.projections()) all = all && done(p);
    if (all) return response;
    if (std::chrono::steady_clock::now() > deadline) {
      return DeadlineExceeded("status never reached the expected state: " +
                              response.ShortDebugString());
    }
    std::this_thread::yield();
  }
}

bool CaughtUp(const v1::ProjectionStatus& p) { return p.ready() && p.total_lag() == 0; }

struct Rebuilt {
  std::vector<v1::RebuildProjectionsResponse> messages;
  grpc::Status status;
};

Rebuilt Rebuild(v1::AdminService::Stub& admin, std::vector<std::string> services = {}) {
  v1::RebuildProjectionsRequest request;
  for (const std::string& s : services) request.add_services(s);
  auto context = Context();
  auto reader = admin.RebuildProjections(context.get(), request);
  Rebuilt out;
  v1::RebuildProjectionsResponse message;
  while (reader->Read(&message)) out.messages.push_back(message);
  out.status = reader->Finish();
  return out;
}

std::map<std::string, std::string> Checksums(const v1::GetProjectionStatusResponse& status) {
  std::map<std::string, std::string> out;
  for (const auto& p : status.projections()) out[p.service()] = p.checksum();
  return out;
}

// The tenant's one case, read with its personal data.
Result<cases::v1::GetCaseResponse> TheOnlyCase(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = cases::v1::CaseService::NewStub(channel);
  cases::v1::ListCasesRequest list;
  list.set_tenant(kTenant);
  cases::v1::ListCasesResponse listed;
  if (const grpc::Status s = stub->ListCases(Context().get(), list, &listed); !s.ok()) {
    return FromGrpcStatus(s);
  }
  if (listed.cases_size() != 1) {
    return FailedPrecondition("expected one case, found " + std::to_string(listed.cases_size()));
  }
  cases::v1::GetCaseRequest get;
  get.set_tenant(kTenant);
  get.set_case_id(listed.cases(0).case_id());
  cases::v1::GetCaseResponse got;
  if (const grpc::Status s = stub->GetCase(Context().get(), get, &got); !s.ok()) {
    return FromGrpcStatus(s);
  }
  return got;
}

class AdminHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (host::AvailableTargets().empty()) GTEST_SKIP() << "this build has no services";
  }

  void StartHost(std::vector<std::string> targets = {"all"}) {
    host::HostOptions options;
    options.listen_address = "127.0.0.1:0";
    options.data_dir = dir_.path() / "data";
    options.targets = std::move(targets);
    ASSERT_OK_AND_ASSIGN(host_, host::Host::Start(options, &clock_));
    ASSERT_OK(host_->WaitUntilReady(InAMinute()));
    channel_ = grpc::CreateChannel(host_->address(), grpc::InsecureChannelCredentials());
    admin_ = v1::AdminService::NewStub(channel_);
  }

  // The whole server with the organisation written and one case opened.
  void StartHostWithACase() {
    ASSERT_NO_FATAL_FAILURE(StartHost());
    ASSERT_NO_FATAL_FAILURE(WriteOrganisation(channel_));
    ASSERT_NO_FATAL_FAILURE(OpenCase(channel_));
  }

  // A second server on `data_dir` (a backup), with the first one's master key.
  void StartRestored(const std::filesystem::path& data_dir) {
    host::HostOptions options;
    options.listen_address = "127.0.0.1:0";
    options.data_dir = data_dir;
    options.master_key_file = dir_.path() / "data" / "master.key";
    ASSERT_OK_AND_ASSIGN(restored_, host::Host::Start(options, &clock_));
    ASSERT_OK(restored_->WaitUntilReady(InAMinute()));
    restored_channel_ =
        grpc::CreateChannel(restored_->address(), grpc::InsecureChannelCredentials());
    restored_admin_ = v1::AdminService::NewStub(restored_channel_);
  }

  trappe::testing::TempDir dir_;
  FixedClock clock_{ParseTimestamp("2026-03-02T09:00:00Z").value()};
  std::unique_ptr<host::Host> host_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  std::unique_ptr<host::Host> restored_;
  std::shared_ptr<grpc::Channel> restored_channel_;
  std::unique_ptr<v1::AdminService::Stub> restored_admin_;
};

TEST_F(AdminHostTest, ChecksumsAfterARebuildEqualThoseOfLiveProcessing) {
  if (host::AvailableTargets().size() < 4) GTEST_SKIP() << "this build lacks a service";
  ASSERT_NO_FATAL_FAILURE(StartHostWithACase());
  ASSERT_OK_AND_ASSIGN(const auto before, WaitForStatus(*admin_, CaughtUp));
  std::vector<std::string> services;
  for (const auto& p : before.projections()) {
    services.push_back(p.service());
    EXPECT_EQ(p.checksum().size(), 64u) << p.service();
    EXPECT_FALSE(p.failed()) << p.service();
    EXPECT_GT(p.events_applied(), 0u) << p.service();
    EXPECT_FALSE(p.partitions().empty()) << p.service();
    EXPECT_FALSE(p.rebuild_in_progress()) << p.service();
  }
  EXPECT_EQ(services, host_->targets());

  const Rebuilt rebuilt = Rebuild(*admin_);
  ASSERT_TRUE(rebuilt.status.ok()) << rebuilt.status.error_message();
  // Per service, in the host's order: progress reports, then one finished message with
  // the checksum of the rebuilt projection, equal to the one live processing gave.
  std::vector<std::string> finished_order;
  std::map<std::string, int> progress_reports;
  for (const auto& m : rebuilt.messages) {
    ASSERT_TRUE(finished_order.empty() || finished_order.back() != m.service())
        << m.service() << " reported after it finished";
    if (!m.finished()) {
      ++progress_reports[m.service()];
      EXPECT_TRUE(m.checksum().empty());
      continue;
    }
    finished_order.push_back(m.service());
    EXPECT_EQ(m.checksum(), Checksums(before).at(m.service())) << m.service();
    EXPECT_EQ(m.events_done(), m.events_total()) << m.service();
    EXPECT_EQ(m.eta_seconds(), 0) << m.service();
  }
  EXPECT_EQ(finished_order, services);
  for (const std::string& service : services) EXPECT_GE(progress_reports[service], 1) << service;

  ASSERT_OK_AND_ASSIGN(const auto after, GetStatus(*admin_));
  EXPECT_EQ(Checksums(after), Checksums(before));
  for (const auto& p : after.projections()) {
    EXPECT_EQ(p.rebuilds_completed(), 1u) << p.service();
    EXPECT_TRUE(p.ready()) << p.service();
  }
}

TEST_F(AdminHostTest, AnUnknownServiceIsAnInvalidArgumentNamingTheField) {
  ASSERT_NO_FATAL_FAILURE(StartHost());
  EXPECT_STATUS(GetStatus(*admin_, {host_->targets().front(), "billing"}),
                StatusCode::kInvalidArgument, "services[1]");
  const Rebuilt rebuilt = Rebuild(*admin_, {"billing"});
  EXPECT_EQ(rebuilt.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(rebuilt.status.error_message(), HasSubstr("services[0]"));
  EXPECT_THAT(rebuilt.status.error_message(), HasSubstr("billing"));
  EXPECT_TRUE(rebuilt.messages.empty());
}

TEST_F(AdminHostTest, AProcessHostingOneServiceAnswersForThatServiceOnly) {
  const std::string target = host::AvailableTargets().front();
  ASSERT_NO_FATAL_FAILURE(StartHost({target}));
  ASSERT_OK_AND_ASSIGN(const auto status, WaitForStatus(*admin_, CaughtUp));
  ASSERT_EQ(status.projections_size(), 1);
  EXPECT_EQ(status.projections(0).service(), target);

  for (const std::string& other : KnownServices()) {
    if (other == target) continue;
    EXPECT_STATUS(GetStatus(*admin_, {other}), StatusCode::kNotFound, "does not host");
    EXPECT_EQ(Rebuild(*admin_, {other}).status.error_code(), grpc::StatusCode::NOT_FOUND);
  }
  const Rebuilt rebuilt = Rebuild(*admin_, {target});
  ASSERT_TRUE(rebuilt.status.ok()) << rebuilt.status.error_message();
  ASSERT_FALSE(rebuilt.messages.empty());
  EXPECT_TRUE(rebuilt.messages.back().finished());
  EXPECT_EQ(rebuilt.messages.back().checksum(), status.projections(0).checksum());
}

Result<v1::BackupResponse> Backup(v1::AdminService::Stub& admin, const std::string& directory) {
  v1::BackupRequest request;
  request.set_directory(directory);
  v1::BackupResponse response;
  const grpc::Status status = admin.Backup(Context().get(), request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

// A backup taken from a running server restores it: a server started on the backup's
// directory (with the first one's master key) rebuilds every projection from the copied
// log to the same checksums, and the copied key store opens the child's personal data.
TEST_F(AdminHostTest, AServerStartedOnABackupHasEveryCaseAndItsPersonalData) {
  if (host::AvailableTargets().size() < 4) GTEST_SKIP() << "this build lacks a service";
  ASSERT_NO_FATAL_FAILURE(StartHostWithACase());
  ASSERT_OK_AND_ASSIGN(const auto before, WaitForStatus(*admin_, CaughtUp));

  const std::filesystem::path backup = dir_.path() / "backups" / "first";
  ASSERT_OK_AND_ASSIGN(const v1::BackupResponse written, Backup(*admin_, backup.string()));
  EXPECT_EQ(written.directory(), backup.string());
  std::vector<std::string> parts;
  for (const auto& part : written.parts()) {
    parts.push_back(part.name() + ":" + part.path() + ":" + part.skipped_reason());
  }
  EXPECT_EQ(parts, (std::vector<std::string>{"log:log:", "cases:cases:"}));
  EXPECT_TRUE(std::filesystem::exists(backup / "cases" / "keys"));
  EXPECT_FALSE(std::filesystem::exists(backup / "workload")) << "projections are not copied";

  // The same directory again, or a relative one, is refused and changes nothing.
  EXPECT_STATUS(Backup(*admin_, backup.string()), StatusCode::kAlreadyExists, "already exists");
  EXPECT_STATUS(Backup(*admin_, "backups/second"), StatusCode::kInvalidArgument, "directory");
  EXPECT_FALSE(std::filesystem::exists("backups/second"));

  ASSERT_NO_FATAL_FAILURE(StartRestored(backup));
  ASSERT_OK_AND_ASSIGN(const auto after, WaitForStatus(*restored_admin_, CaughtUp));
  EXPECT_EQ(Checksums(after), Checksums(before));

  ASSERT_OK_AND_ASSIGN(const cases::v1::GetCaseResponse got, TheOnlyCase(restored_channel_));
  EXPECT_EQ(got.child_case().personal_data().state(), cases::v1::PERSONAL_DATA_STATE_AVAILABLE);
  EXPECT_EQ(got.child_case().personal_data().data().given_name(), "Sofie");
  EXPECT_EQ(got.child_case().personal_data().data().cpr_number(), "0101201234");
}

// A child erased while a backup runs, after the log was copied: the copy's log has no
// erasure event and its key store no key. Built from two real backups (the log of one
// taken before the erasure, the key store of one taken after), a server on it shows the
// child's data as erased, not as readable and not as an error.
TEST_F(AdminHostTest, AChildErasedWhileABackupRunsReadsAsErasedFromTheCopy) {
  if (host::AvailableTargets().size() < 4) GTEST_SKIP() << "this build lacks a service";
  ASSERT_NO_FATAL_FAILURE(StartHostWithACase());
  ASSERT_OK(WaitForStatus(*admin_, CaughtUp).status());
  const std::filesystem::path before = dir_.path() / "backups" / "before";
  ASSERT_OK(Backup(*admin_, before.string()).status());

  ASSERT_OK_AND_ASSIGN(const cases::v1::GetCaseResponse open, TheOnlyCase(channel_));
  cases::v1::ErasePersonalDataRequest erase;
  erase.set_tenant(kTenant);
  erase.set_request_id("erase");
  erase.set_actor("anna");
  erase.set_case_id(open.child_case().case_id());
  erase.set_reason(cases::v1::ERASURE_REASON_DATA_SUBJECT_REQUEST);
  cases::v1::ErasePersonalDataResponse erased;
  const grpc::Status status =
      cases::v1::CaseService::NewStub(channel_)->ErasePersonalData(Context().get(), erase, &erased);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_OK(WaitForStatus(*admin_, CaughtUp).status());
  const std::filesystem::path after = dir_.path() / "backups" / "after";
  ASSERT_OK(Backup(*admin_, after.string()).status());

  const std::filesystem::path mixed = dir_.path() / "backups" / "mixed";
  std::filesystem::create_directories(mixed);
  std::filesystem::copy(before / "log", mixed / "log", std::filesystem::copy_options::recursive);
  std::filesystem::copy(after / "cases", mixed / "cases", std::filesystem::copy_options::recursive);

  ASSERT_NO_FATAL_FAILURE(StartRestored(mixed));
  ASSERT_OK(WaitForStatus(*restored_admin_, CaughtUp).status());
  ASSERT_OK_AND_ASSIGN(const cases::v1::GetCaseResponse got, TheOnlyCase(restored_channel_));
  EXPECT_EQ(got.child_case().personal_data().state(), cases::v1::PERSONAL_DATA_STATE_ERASED);
  EXPECT_FALSE(got.child_case().personal_data().has_data());

  // The copy's log indeed ends before the erasure.
  cases::v1::GetCaseHistoryRequest history;
  history.set_tenant(kTenant);
  history.set_case_id(open.child_case().case_id());
  cases::v1::GetCaseHistoryResponse entries;
  const grpc::Status read = cases::v1::CaseService::NewStub(restored_channel_)
                                ->GetCaseHistory(Context().get(), history, &entries);
  ASSERT_TRUE(read.ok()) << read.error_message();
  ASSERT_GT(entries.entries_size(), 0);
  for (const auto& entry : entries.entries()) {
    EXPECT_THAT(entry.event_type(), Not(HasSubstr("Erased"))) << entry.event_type();
  }
}

// On Kafka the process has no log to copy: the part says why, and the rest is written.
TEST(AdminBackupTest, AKafkaLogIsSkippedWithTheReason) {
  ASSERT_OK_AND_ASSIGN(auto cluster, eventlog::KafkaMockCluster::Start(1));
  eventlog::KafkaLogOptions log_options;
  log_options.bootstrap_servers = cluster->bootstrap_servers();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<eventlog::EventLog> log,
                       eventlog::OpenKafkaLog(log_options));
  AdminService admin_service({}, log.get());
  ASSERT_OK_AND_ASSIGN(auto server, server::Server::Start({.listen_address = "127.0.0.1:0",
                                                           .services = {&admin_service}}));
  auto admin = v1::AdminService::NewStub(server->InProcessChannel());
  trappe::testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(const v1::BackupResponse written,
                       Backup(*admin, (dir.path() / "backup").string()));
  ASSERT_EQ(written.parts_size(), 1);
  EXPECT_EQ(written.parts(0).name(), "log");
  EXPECT_EQ(written.parts(0).path(), "");
  EXPECT_THAT(written.parts(0).skipped_reason(), HasSubstr("cluster"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "backup" / "log"));
}

// Holds a rebuild at its first progress report (made before any batch) until Release().
struct RebuildGate {
  std::mutex mu;
  std::condition_variable cv;
  bool held = false;
  bool released = false;

  AdminOptions Options() {
    AdminOptions options;
    options.on_rebuild_progress = [this](const std::string&, const projection::RebuildProgress&) {
      std::unique_lock lock(mu);
      if (held) return;
      held = true;
      cv.notify_all();
      cv.wait(lock, [this] { return released; });
    };
    return options;
  }
  bool WaitUntilHeld() {
    std::unique_lock lock(mu);
    return cv.wait_until(lock, InAMinute(), [this] { return held; });
  }
  void Release() {
    {
      std::lock_guard lock(mu);
      released = true;
    }
    cv.notify_all();
  }
};

// The workload service in the harness, with the admin API on a server of its own.
class AdminHarnessTest : public ::testing::Test {
 protected:
  void Start(AdminOptions options = {}) {
    ASSERT_OK(harness_.Start({workload::OpenWorkloadModule}));
    admin_service_ =
        std::make_unique<AdminService>(std::vector<service::ServiceModule*>{&harness_.module(0)},
                                       &harness_.log(), std::move(options));
    ASSERT_OK_AND_ASSIGN(server_, server::Server::Start({.listen_address = "127.0.0.1:0",
                                                         .services = {admin_service_.get()}}));
    admin_ = v1::AdminService::NewStub(server_->InProcessChannel());
  }

  void TearDown() override {
    gate_.Release();  // a failed assertion must not leave a rebuild held
    if (server_) server_->Shutdown(std::chrono::milliseconds(0));
  }

  RebuildGate gate_;  // used by the tests that hold a rebuild
  ServiceHarness harness_;
  std::unique_ptr<AdminService> admin_service_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
};

eventlog::Record OrgRecord(std::string value, const std::string& type) {
  eventlog::Record record;
  record.key = std::string(kTenant) + "/" + kTenant;
  record.value = std::move(value);
  record.headers.push_back({std::string(events::kEventTypeHeader), type});
  return record;
}

TEST_F(AdminHarnessTest, MalformedRecordsWrittenStraightToTheLogAreCountedInStatus) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(WriteOrganisation(harness_.channel()));
  // One record that is no envelope, and one envelope whose payload (field 999, from a newer
  // writer) this build does not know; neither is an event the workload service needs.
  events::v1::EventEnvelope future;
  future.set_event_id("from-the-future");
  future.set_tenant(kTenant);
  std::string unknown_payload = future.SerializeAsString() + std::string("\xba\x3e\x00", 3);
  std::vector<eventlog::Record> records;
  records.push_back(OrgRecord("\xff\xff not an envelope", "trappe.future.v1.Thing"));
  records.push_back(OrgRecord(std::move(unknown_payload), "trappe.future.v1.Thing"));
  ASSERT_OK_AND_ASSIGN(const auto positions,
                       harness_.log().Append(eventlog::kOrgEventsTopic, std::move(records)));
  ASSERT_OK(harness_.module(0).engine().WaitFor(positions, InAMinute()));

  ASSERT_OK_AND_ASSIGN(const auto status, GetStatus(*admin_, {"workload"}));
  ASSERT_EQ(status.projections_size(), 1);
  const v1::ProjectionStatus& p = status.projections(0);
  EXPECT_EQ(p.undecodable_skipped(), 1u);
  EXPECT_EQ(p.unknown_skipped(), 1u);
  EXPECT_TRUE(p.ready());
  EXPECT_FALSE(p.failed());
  EXPECT_EQ(p.total_lag(), 0);
  EXPECT_EQ(p.error(), "");

  // A rebuild skips them again and reaches the same content.
  const Rebuilt rebuilt = Rebuild(*admin_);
  ASSERT_TRUE(rebuilt.status.ok()) << rebuilt.status.error_message();
  EXPECT_EQ(rebuilt.messages.back().checksum(), p.checksum());
}

TEST_F(AdminHarnessTest, ASecondRebuildMeanwhileIsRefusedAndACancelledOneBreaksNothing) {
  // The first rebuild waits at its first report until the test lets it go on.
  ASSERT_NO_FATAL_FAILURE(Start(gate_.Options()));
  ASSERT_NO_FATAL_FAILURE(WriteOrganisation(harness_.channel()));
  ASSERT_OK_AND_ASSIGN(const auto before, WaitForStatus(*admin_, CaughtUp));
  const std::string checksum = before.projections(0).checksum();

  auto first_context = Context();
  auto first = admin_->RebuildProjections(first_context.get(), v1::RebuildProjectionsRequest());
  ASSERT_TRUE(gate_.WaitUntilHeld());
  ASSERT_OK_AND_ASSIGN(const auto during, GetStatus(*admin_));
  EXPECT_TRUE(during.projections(0).rebuild_in_progress());
  EXPECT_TRUE(during.projections(0).ready()) << "the current store keeps serving";
  EXPECT_EQ(during.projections(0).checksum(), checksum);

  const Rebuilt second = Rebuild(*admin_, {"workload"});
  EXPECT_EQ(second.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(second.status.error_message(), HasSubstr("already running"));

  // The operator gives up on the first one.
  first_context->TryCancel();
  gate_.Release();
  v1::RebuildProjectionsResponse message;
  while (first->Read(&message)) {
  }
  EXPECT_EQ(first->Finish().error_code(), grpc::StatusCode::CANCELLED);

  // Whether the server stopped the replay or it had already finished, the projection
  // serves with the same content, and the next rebuild runs.
  ASSERT_OK_AND_ASSIGN(const auto after, WaitForStatus(*admin_, [](const auto& p) {
                         return !p.rebuild_in_progress();
                       }));
  EXPECT_TRUE(after.projections(0).ready());
  EXPECT_EQ(after.projections(0).checksum(), checksum);
  const Rebuilt third = Rebuild(*admin_);
  ASSERT_TRUE(third.status.ok()) << third.status.error_message();
  EXPECT_EQ(third.messages.back().checksum(), checksum);
}

TEST_F(AdminHarnessTest, ShuttingDownStopsARunningRebuildAtOnceAndRefusesNewOnes) {
  // The rebuild waits at its first report until the test lets it go on.
  ASSERT_NO_FATAL_FAILURE(Start(gate_.Options()));
  ASSERT_NO_FATAL_FAILURE(WriteOrganisation(harness_.channel()));
  ASSERT_OK_AND_ASSIGN(const auto before, WaitForStatus(*admin_, CaughtUp));
  const std::string checksum = before.projections(0).checksum();

  auto context = Context();
  auto running = admin_->RebuildProjections(context.get(), v1::RebuildProjectionsRequest());
  ASSERT_TRUE(gate_.WaitUntilHeld());
  // The host calls this first when it stops; the client has not cancelled anything.
  admin_service_->Shutdown();
  gate_.Release();
  v1::RebuildProjectionsResponse message;
  bool finished = false;
  while (running->Read(&message)) finished = finished || message.finished();
  const grpc::Status ended = running->Finish();
  // The engine looks at the cancellation after the first batch (the first report comes
  // before any), so the rebuild stops there: the server says why, and the current store stays.
  EXPECT_FALSE(finished);
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAVAILABLE) << ended.error_message();
  EXPECT_THAT(ended.error_message(), HasSubstr("shutting down"));
  ASSERT_OK_AND_ASSIGN(const auto after, WaitForStatus(*admin_, [](const auto& p) {
                         return !p.rebuild_in_progress();
                       }));
  EXPECT_TRUE(after.projections(0).ready());
  EXPECT_EQ(after.projections(0).checksum(), checksum);

  const Rebuilt refused = Rebuild(*admin_);
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(refused.status.error_message(), HasSubstr("shutting down"));
}

}  // namespace
}  // namespace trappe::admin
