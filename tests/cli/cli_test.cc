// The trappe CLI end to end: the real binary against the real host (all services, an
// embedded log in a temp dir, port 0, a fixed clock).
#include <fcntl.h>
#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "trappe/admin/v1/admin.pb.h"
#include "trappe/cases/v1/service.pb.h"
#include "trappe/host/host.h"
#include "trappe/testing/status_matchers.h"
#include "trappe/testing/temp_dir.h"
#include "trappe/workload/v1/service.pb.h"

extern char** environ;

namespace trappe {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (host::AvailableTargets().size() < 4) GTEST_SKIP() << "this build lacks a service";
    host::HostOptions options;
    options.listen_address = "127.0.0.1:0";
    options.data_dir = dir_.path() / "data";
    ASSERT_OK_AND_ASSIGN(host_, host::Host::Start(options, &clock_));
    ASSERT_OK(host_->WaitUntilReady(std::chrono::steady_clock::now() + std::chrono::minutes(1)));
  }

  // Runs `trappe --server <host> args...` with a clean environment and waits for it.
  Outcome Trappe(std::vector<std::string> args) {
    const std::string out_path = dir_.Sub("out" + std::to_string(runs_));
    const std::string err_path = dir_.Sub("err" + std::to_string(runs_));
    ++runs_;
    std::vector<std::string> argv_strings = {TRAPPE_CLI_BINARY, "--server", host_->address()};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& arg : argv_strings) argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::string actor = "TRAPPE_ACTOR=tester";
    std::vector<char*> env = {actor.data(), nullptr};

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    pid_t pid = 0;
    Outcome outcome;
    const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), env.data());
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
      outcome.err = "posix_spawn failed: " + std::to_string(spawned);
      return outcome;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    outcome.out = ReadFile(out_path);
    outcome.err = ReadFile(err_path);
    return outcome;
  }

  testing::TempDir dir_;
  FixedClock clock_{ParseTimestamp("2026-03-02T09:00:00Z").value()};
  std::unique_ptr<host::Host> host_;
  int runs_ = 0;
};

// Registers Herning with its presets, team Vest and caseworker Anna.
void SetUpOrganisation(CliTest* test, const std::function<Outcome(std::vector<std::string>)>& run) {
  (void)test;
  const Outcome municipality =
      run({"municipality", "add", "0657", "--name", "Herning", "--effective-from", "2026-01-01"});
  ASSERT_EQ(municipality.exit_code, 0) << municipality.err;
  EXPECT_THAT(municipality.out, HasSubstr("registered municipality 0657 (Herning)"));
  EXPECT_THAT(municipality.out, HasSubstr("(version 1)"));

  const Outcome team = run({"team", "add", "--tenant", "0657", "--name", "Vest", "--id", "vest"});
  ASSERT_EQ(team.exit_code, 0) << team.err;
  EXPECT_THAT(team.out, HasSubstr("created team vest (Vest)"));

  const Outcome caseworker =
      run({"caseworker", "add", "--tenant", "0657", "--name", "Anna Holm", "--team", "vest", "--id",
           "anna", "--fte", "0.8", "--start", "2026-01-01"});
  ASSERT_EQ(caseworker.exit_code, 0) << caseworker.err;
  EXPECT_THAT(caseworker.out, HasSubstr("registered caseworker anna (Anna Holm, team vest)"));
}

TEST_F(CliTest, AStoryFromMunicipalityToCaseHistory) {
  const auto run = [this](std::vector<std::string> args) { return Trappe(std::move(args)); };
  ASSERT_NO_FATAL_FAILURE(SetUpOrganisation(this, run));

  // --json prints the response exactly: it parses back into the API's message.
  const Outcome open = Trappe({"--json",
                               "case",
                               "open",
                               "--tenant",
                               "0657",
                               "--cpr",
                               "0101201234",
                               "--given-name",
                               "Sofie",
                               "--family-name",
                               "Jensen",
                               "--basis",
                               "report-of-concern",
                               "--team",
                               "vest",
                               "--caseworker",
                               "anna",
                               "--grade",
                               "complex",
                               "--on",
                               "2026-02-16"});
  ASSERT_EQ(open.exit_code, 0) << open.err;
  cases::v1::OpenCaseResponse opened;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(open.out, &opened).ok()) << open.out;
  ASSERT_THAT(opened.case_id(), Not(IsEmpty()));
  EXPECT_EQ(opened.caseworker_id(), "anna");
  EXPECT_FALSE(opened.caseworker_suggested());
  EXPECT_EQ(opened.version(), 3u);  // opened, the primary assigned, the grade assessed
  ASSERT_GE(opened.positions_size(), 1);
  const auto& written = opened.positions(opened.positions_size() - 1);
  const std::string position = written.topic() + ":" + std::to_string(written.partition()) + ":" +
                               std::to_string(written.offset());

  const Outcome show =
      Trappe({"case", "show", opened.case_id(), "--tenant", "0657", "--min-position", position});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_THAT(show.out, HasSubstr(opened.case_id()));
  EXPECT_THAT(show.out, HasSubstr("Sofie Jensen"));
  EXPECT_THAT(show.out, HasSubstr("2026-02-16"));
  EXPECT_THAT(show.out, HasSubstr("complex"));
  EXPECT_THAT(show.out, HasSubstr("anna"));

  const Outcome history =
      Trappe({"case", "history", opened.case_id(), "--tenant", "0657", "--min-position", position});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  EXPECT_THAT(history.out, HasSubstr("EFFECTIVE"));
  EXPECT_THAT(history.out, HasSubstr("CaseOpened"));
  EXPECT_THAT(history.out, HasSubstr("tester"));  // the actor, from TRAPPE_ACTOR
  EXPECT_THAT(history.out, HasSubstr("2026-02-16"));

  // The other services, each waiting (--min-position) until it has seen the case.
  const Outcome staircase = Trappe(
      {"staircase", "--tenant", "0657", "--as-of", "2026-03-02", "--min-position", position});
  ASSERT_EQ(staircase.exit_code, 0) << staircase.err;
  EXPECT_THAT(staircase.out, HasSubstr("(no active intervention)"));

  const Outcome start =
      Trappe({"intervention", "start", opened.case_id(), "--tenant", "0657", "--step", "2",
              "--support", "family-treatment", "--start", "2026-02-20", "--planned-end",
              "2026-08-19", "--monthly-cost", "1250000"});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  EXPECT_THAT(start.out, HasSubstr("started intervention "));
  EXPECT_THAT(start.out, HasSubstr("step 2"));
  const std::string start_position =
      start.out.substr(start.out.find("written: ") + 9,
                       start.out.find(" (version") - start.out.find("written: ") - 9);

  const Outcome trajectory = Trappe({"staircase", "--tenant", "0657", "--case", opened.case_id(),
                                     "--as-of", "2026-03-02", "--min-position", start_position});
  ASSERT_EQ(trajectory.exit_code, 0) << trajectory.err;
  EXPECT_THAT(trajectory.out, HasSubstr("now on step 2"));
  EXPECT_THAT(trajectory.out, HasSubstr("family-treatment"));

  const Outcome deadlines = Trappe({"deadlines", "--tenant", "0657", "--case", opened.case_id(),
                                    "--as-of", "2026-03-02", "--min-position", start_position});
  ASSERT_EQ(deadlines.exit_code, 0) << deadlines.err;
  EXPECT_THAT(deadlines.out, HasSubstr("DUE"));

  // Seen from 2026-06-01 the three-month follow-up (due 2026-05-20) is Anna's and overdue.
  const Outcome mine =
      Trappe({"deadlines", "--tenant", "0657", "--mine", "--actor", "anna", "--overdue", "--as-of",
              "2026-06-01", "--min-position", start_position});
  ASSERT_EQ(mine.exit_code, 0) << mine.err;
  EXPECT_THAT(mine.out, HasSubstr("OVERDUE"));
  EXPECT_THAT(mine.out, HasSubstr(opened.case_id()));
  const Outcome others = Trappe({"deadlines", "--tenant", "0657", "--caseworker", "bo", "--overdue",
                                 "--as-of", "2026-06-01", "--min-position", start_position});
  ASSERT_EQ(others.exit_code, 0) << others.err;
  EXPECT_THAT(others.out, Not(HasSubstr(opened.case_id())));

  const Outcome load = Trappe({"load", "--tenant", "0657", "--caseworker", "anna", "--as-of",
                               "2026-03-02", "--min-position", start_position});
  ASSERT_EQ(load.exit_code, 0) << load.err;
  EXPECT_THAT(load.out, HasSubstr("anna (Anna Holm)"));
  EXPECT_THAT(load.out, HasSubstr("0.8"));

  const Outcome figures = Trappe({"noegletal", "--tenant", "0657", "--from", "2026-01-01", "--to",
                                  "2026-03-01", "--min-position", start_position});
  ASSERT_EQ(figures.exit_code, 0) << figures.err;
  EXPECT_THAT(figures.out, HasSubstr("prevention's share"));

  // The rest of the commands, each checked by what it prints.
  const std::string intervention_id =
      start.out.substr(21, start.out.find(" on case") - 21);  // "started intervention <id>"
  const std::vector<std::pair<std::vector<std::string>, std::string>> commands = {
      {{"followup", "record", opened.case_id(), "--kind", "child-conversation", "--on",
        "2026-03-02", "--caseworker", "anna"},
       "recorded follow-up "},
      {{"plan", "approve", opened.case_id(), "--on", "2026-03-02"},
       "approved the child's plan of case " + opened.case_id()},
      {{"intervention", "change", intervention_id, "--monthly-cost", "1500000", "--on",
        "2026-03-01", "--reason", "more hours"},
       "changed intervention " + intervention_id},
      {{"intervention", "end", intervention_id, "--on", "2026-03-02", "--reason",
        "purpose-achieved", "--destination", "home"},
       "ended intervention " + intervention_id},
      {{"case", "assess", opened.case_id(), "--grade", "very-complex", "--reason",
        "new information", "--on", "2026-03-02"},
       "assessed case " + opened.case_id() + " as very-complex"},
      {{"case", "close", opened.case_id(), "--reason", "purpose-achieved", "--on", "2026-03-02"},
       "closed case " + opened.case_id()},
      {{"case", "reopen", opened.case_id(), "--reason", "closed-in-error", "--on", "2026-03-02"},
       "reopened case " + opened.case_id()},
  };
  for (auto [args, expected] : commands) {
    args.insert(args.end(), {"--tenant", "0657"});
    const Outcome outcome = Trappe(args);
    ASSERT_EQ(outcome.exit_code, 0) << args[0] << " " << args[1] << ": " << outcome.err;
    EXPECT_THAT(outcome.out, HasSubstr(expected));
    EXPECT_THAT(outcome.out, HasSubstr("written: "));
  }

  // As of 2026-02-17 the case was open and complex, whatever came later.
  const Outcome as_of = Trappe({"case", "as-of", opened.case_id(), "2026-02-17", "--tenant", "0657",
                                "--min-position", position});
  ASSERT_EQ(as_of.exit_code, 0) << as_of.err;
  EXPECT_THAT(as_of.out, HasSubstr("status:      open"));
  EXPECT_THAT(as_of.out, HasSubstr("grade:       complex"));

  // A point a week from 2026-02-02 to 2026-03-02: five of them.
  const Outcome series =
      Trappe({"load", "--tenant", "0657", "--team", "vest", "--series", "--from", "2026-02-02",
              "--to", "2026-03-02", "--interval", "weekly", "--min-position", start_position});
  ASSERT_EQ(series.exit_code, 0) << series.err;
  EXPECT_EQ(std::count(series.out.begin(), series.out.end(), '\n'), 6) << series.out;
  EXPECT_THAT(series.out, HasSubstr("2026-02-09"));
}

TEST_F(CliTest, RebuildShowsProgressAndEndsWithTheChecksumsStatusShowed) {
  const auto run = [this](std::vector<std::string> args) { return Trappe(std::move(args)); };
  ASSERT_NO_FATAL_FAILURE(SetUpOrganisation(this, run));
  const Outcome open = Trappe({"case", "open", "--tenant", "0657", "--cpr", "0101201234",
                               "--given-name", "Sofie", "--family-name", "Jensen", "--team", "vest",
                               "--caseworker", "anna", "--on", "2026-02-16"});
  ASSERT_EQ(open.exit_code, 0) << open.err;

  // Every service has applied everything (the services apply the log asynchronously).
  admin::v1::GetProjectionStatusResponse status;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (true) {
    const Outcome json = Trappe({"--json", "status"});
    ASSERT_EQ(json.exit_code, 0) << json.err;
    status.Clear();
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json.out, &status).ok()) << json.out;
    const bool caught_up =
        std::all_of(status.projections().begin(), status.projections().end(),
                    [](const auto& p) { return p.ready() && p.total_lag() == 0; });
    if (caught_up) break;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << json.out;
  }
  ASSERT_EQ(status.projections_size(), 4);

  const Outcome table = Trappe({"status"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("SKIPPED MALFORMED"));
  for (const auto& p : status.projections()) {
    EXPECT_EQ(p.checksum().size(), 64u);
    EXPECT_THAT(table.out, HasSubstr(p.service()));
    EXPECT_THAT(table.out, HasSubstr(p.checksum()));
  }

  const Outcome rebuild = Trappe({"rebuild"});
  ASSERT_EQ(rebuild.exit_code, 0) << rebuild.err;
  // Not a terminal: one plain progress line per report, the last one per service "done".
  EXPECT_THAT(rebuild.err, Not(HasSubstr("\r")));
  for (const auto& p : status.projections()) {
    SCOPED_TRACE(p.service());
    EXPECT_THAT(rebuild.err, HasSubstr(p.service() + " "));
    EXPECT_THAT(rebuild.err, HasSubstr("events/s"));
    // The rebuilt projection's checksum is the one live processing gave.
    EXPECT_THAT(rebuild.out, HasSubstr(p.checksum()));
  }
  EXPECT_EQ(std::count(rebuild.err.begin(), rebuild.err.end(), '\n') >= 8, true) << rebuild.err;
  EXPECT_THAT(rebuild.err, HasSubstr("done in"));
  EXPECT_THAT(rebuild.out, HasSubstr("CHECKSUM"));

  const Outcome one = Trappe({"--json", "rebuild", "--service", "workload"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const std::string workload_checksum =
      std::find_if(status.projections().begin(), status.projections().end(), [](const auto& p) {
        return p.service() == "workload";
      })->checksum();
  EXPECT_THAT(one.out, HasSubstr("\"checksum\":\"" + workload_checksum + "\""));
  EXPECT_THAT(one.out, HasSubstr("\"finished\":true"));

  const Outcome after = Trappe({"status"});
  ASSERT_EQ(after.exit_code, 0) << after.err;
  for (const auto& p : status.projections()) EXPECT_THAT(after.out, HasSubstr(p.checksum()));

  const Outcome unknown = Trappe({"status", "--service", "billing"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("trappe: INVALID_ARGUMENT: services[0]"));
}

TEST_F(CliTest, BackupNamesWhatItWroteAndRefusesAnExistingDirectory) {
  const auto run = [this](std::vector<std::string> args) { return Trappe(std::move(args)); };
  ASSERT_NO_FATAL_FAILURE(SetUpOrganisation(this, run));
  const std::string target = (dir_.path() / "backup").string();
  const Outcome backup = Trappe({"backup", target});
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  EXPECT_THAT(backup.out, HasSubstr("backed up to " + target));
  EXPECT_THAT(backup.out, HasSubstr(target + "/log"));
  EXPECT_THAT(backup.out, HasSubstr(target + "/cases"));
  EXPECT_THAT(backup.out, HasSubstr("not copied: the master key"));
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "backup" / "cases" / "keys"));

  const Outcome again = Trappe({"--json", "backup", target});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, HasSubstr("trappe: ALREADY_EXISTS"));
  const Outcome relative = Trappe({"backup", "backups/today"});
  EXPECT_EQ(relative.exit_code, 1);
  EXPECT_THAT(relative.err, HasSubstr("trappe: INVALID_ARGUMENT: directory"));
  const Outcome missing = Trappe({"backup"});
  EXPECT_EQ(missing.exit_code, 2) << "a usage error";
}

TEST_F(CliTest, SuggestAndCapacityWeighTheNewCase) {
  const auto run = [this](std::vector<std::string> args) { return Trappe(std::move(args)); };
  ASSERT_NO_FATAL_FAILURE(SetUpOrganisation(this, run));
  const Outcome bo = Trappe({"caseworker", "add", "--tenant", "0657", "--name", "Bo Berg", "--team",
                             "vest", "--id", "bo", "--start", "2026-01-01"});
  ASSERT_EQ(bo.exit_code, 0) << bo.err;
  // Anna (0.8 FTE: target 96) holds one COMPLEX case (6 points); Bo (full time: 120) none.
  const Outcome open = Trappe({"--json", "case", "open", "--tenant", "0657", "--cpr", "0101201234",
                               "--given-name", "Sofie", "--family-name", "Jensen", "--team", "vest",
                               "--caseworker", "anna", "--grade", "complex", "--on", "2026-02-16"});
  ASSERT_EQ(open.exit_code, 0) << open.err;
  cases::v1::OpenCaseResponse opened;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(open.out, &opened).ok()) << open.out;
  ASSERT_GE(opened.positions_size(), 1);
  const auto& written = opened.positions(opened.positions_size() - 1);
  const std::string position = written.topic() + ":" + std::to_string(written.partition()) + ":" +
                               std::to_string(written.offset());
  const std::vector<std::string> query = {"--tenant",   "0657",           "--as-of",
                                          "2026-03-02", "--min-position", position};
  const auto with_query = [&](std::vector<std::string> args) {
    args.insert(args.end(), query.begin(), query.end());
    return Trappe(std::move(args));
  };

  // A SIMPLE case (4): Bo 120 - 4 = 116 left against Anna's 96 - 6 - 4 = 86.
  Outcome suggest = with_query({"--json", "suggest", "--team", "vest", "--grade", "simple"});
  ASSERT_EQ(suggest.exit_code, 0) << suggest.err;
  workload::v1::SuggestAssigneeResponse suggested;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(suggest.out, &suggested).ok())
      << suggest.out;
  EXPECT_EQ(suggested.caseworker_id(), "bo");
  EXPECT_EQ(suggested.case_millipoints(), 4000);
  suggest = with_query({"suggest", "--grade", "simple", "--exclude", "bo"});
  ASSERT_EQ(suggest.exit_code, 0) << suggest.err;
  EXPECT_THAT(suggest.out, HasSubstr("anna (Anna Holm, team vest)"));
  EXPECT_THAT(suggest.out, HasSubstr("6 of 96"));
  EXPECT_THAT(suggest.out, HasSubstr("most headroom"));

  // Anna with a VERY_COMPLEX case (10): 16 of 96 as primary, 6 + 5 = 11 as co-worker.
  Outcome capacity = with_query({"capacity", "--caseworker", "anna", "--grade", "very-complex"});
  ASSERT_EQ(capacity.exit_code, 0) << capacity.err;
  EXPECT_THAT(capacity.out, HasSubstr("16 of 96"));
  EXPECT_THAT(capacity.out, HasSubstr("within target"));
  EXPECT_THAT(capacity.out, Not(HasSubstr("no\n")));
  capacity = with_query({"--json", "capacity", "--caseworker", "anna", "--grade", "very-complex",
                         "--role", "co-worker"});
  ASSERT_EQ(capacity.exit_code, 0) << capacity.err;
  workload::v1::CheckCapacityResponse checked;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(capacity.out, &checked).ok())
      << capacity.out;
  EXPECT_EQ(checked.load_after_millipoints(), 11000);
  EXPECT_EQ(checked.case_count_after(), 1);
  EXPECT_TRUE(checked.within_target());

  const Outcome unknown_team = with_query({"suggest", "--team", "nord"});
  EXPECT_EQ(unknown_team.exit_code, 1);
  EXPECT_THAT(unknown_team.err, HasSubstr("nord"));
  const Outcome bad_grade = with_query({"suggest", "--grade", "huge"});
  EXPECT_EQ(bad_grade.exit_code, 2);
  EXPECT_THAT(bad_grade.err, HasSubstr("simple, complex, very-complex"));
  const Outcome no_caseworker = with_query({"capacity"});
  EXPECT_EQ(no_caseworker.exit_code, 2);
  EXPECT_THAT(no_caseworker.err, HasSubstr("--caseworker"));
}

TEST_F(CliTest, AServerErrorPrintsTheServersMessageAndExitsOne) {
  const auto run = [this](std::vector<std::string> args) { return Trappe(std::move(args)); };
  ASSERT_NO_FATAL_FAILURE(SetUpOrganisation(this, run));
  // The server's clock says 2026-03-02: a case cannot open in 2027.
  const Outcome open = Trappe({"case", "open", "--tenant", "0657", "--cpr", "0101201234",
                               "--given-name", "Sofie", "--family-name", "Jensen", "--team", "vest",
                               "--caseworker", "anna", "--on", "2027-01-01"});
  EXPECT_EQ(open.exit_code, 1);
  EXPECT_THAT(open.err, HasSubstr("trappe: INVALID_ARGUMENT: "));
  EXPECT_THAT(open.err, HasSubstr("opened_on"));
  EXPECT_THAT(open.out, IsEmpty());

  const Outcome missing = Trappe({"case", "show", "no-such-case", "--tenant", "0657"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("trappe: "));
}

TEST_F(CliTest, ARepeatedRequestIdReturnsTheFirstOutcome) {
  const Outcome municipality = Trappe({"municipality", "add", "0657", "--name", "Herning"});
  ASSERT_EQ(municipality.exit_code, 0) << municipality.err;
  const std::string request_id = "7d0c7f1e-3f4a-4b8e-9a51-2b9f0c6d1e11";
  const Outcome first =
      Trappe({"team", "add", "--tenant", "0657", "--name", "Vest", "--request-id", request_id});
  const Outcome again =
      Trappe({"team", "add", "--tenant", "0657", "--name", "Vest", "--request-id", request_id});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(first.out, HasSubstr("created team "));
  EXPECT_EQ(again.out, first.out);  // the same server-assigned id, positions and version
}

TEST_F(CliTest, UsageErrorsExitTwo) {
  const Outcome no_name = Trappe({"team", "add", "--tenant", "0657"});
  EXPECT_EQ(no_name.exit_code, 2);
  EXPECT_THAT(no_name.err, HasSubstr("--name"));
  const Outcome bad_date = Trappe({"case", "as-of", "c1", "2026-02-30", "--tenant", "0657"});
  EXPECT_EQ(bad_date.exit_code, 2);
  EXPECT_THAT(bad_date.err, HasSubstr("not a date"));
  const Outcome bad_enum = Trappe({"case", "assess", "c1", "--grade", "huge", "--tenant", "0657"});
  EXPECT_EQ(bad_enum.exit_code, 2);
  EXPECT_THAT(bad_enum.err, HasSubstr("simple, complex, very-complex"));
  const Outcome no_tenant = Trappe({"case", "show", "c1"});
  EXPECT_EQ(no_tenant.exit_code, 2);
  EXPECT_THAT(no_tenant.err, HasSubstr("--tenant"));
}

}  // namespace
}  // namespace trappe
