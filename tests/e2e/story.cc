#include "story.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "trappe/cases/v1/service.pb.h"

namespace trappe::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAreArray;

constexpr auto kCliPatience = std::chrono::seconds(60);

// `--min-position P` once per position, as the CLI takes them.
std::vector<std::string> MinPositions(const std::vector<std::string>& positions) {
  std::vector<std::string> flags;
  for (const std::string& p : positions) flags.insert(flags.end(), {"--min-position", p});
  return flags;
}

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::string LastWrite(const std::string& output) {
  const std::vector<std::string> positions = WrittenPositions(output);
  return positions.empty() ? "" : positions.back();
}

}  // namespace

testing::RunResult Cli::Run(const std::string& server, const std::vector<std::string>& args) {
  testing::ProcessOptions options;
  options.argv = {TRAPPE_CLI_BINARY, "--server", server};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.env = {"TRAPPE_ACTOR=tester", "TRAPPE_TENANT=0657"};
  options.inherit_environment = false;
  options.output_dir = dir_ / ("cli-" + std::to_string(runs_++));
  Result<testing::RunResult> result =
      testing::RunToCompletion(std::move(options), testing::Within(kCliPatience));
  if (!result.ok()) return {.exit = {}, .out = "", .err = result.status().ToString()};
  return *std::move(result);
}

testing::RunResult Cli::MustRun(const std::string& server, const std::vector<std::string>& args) {
  testing::RunResult result = Run(server, args);
  std::string command;
  for (const std::string& arg : args) command += " " + arg;
  EXPECT_TRUE(result.exit.ExitedWith(0))
      << "trappe" << command << ": " << result.exit << "\nstderr: " << result.err
      << "\nstdout: " << result.out;
  return result;
}

std::vector<std::string> WrittenPositions(const std::string& command_output) {
  std::vector<std::string> positions;
  std::istringstream lines(command_output);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("written:", 0) != 0) continue;
    std::istringstream words(line.substr(8));
    std::string word;
    while (words >> word && word != "(version") positions.push_back(word);
  }
  return positions;
}

std::vector<std::string> TableRows(const std::string& table) {
  std::vector<std::string> rows;
  std::istringstream lines(table);
  std::string line;
  bool header = true;
  const std::regex gap(" {2,}");
  while (std::getline(lines, line)) {
    if (header) {
      header = false;
      continue;
    }
    if (line.empty()) continue;
    const std::string trimmed = std::regex_replace(line, std::regex(" +$"), "");
    rows.push_back(std::regex_replace(trimmed, gap, "|"));
  }
  return rows;
}

StoryResult TellStory(Cli& cli, const Endpoints& at) {
  StoryResult story;
  const auto write = [&](const std::string& server, const std::vector<std::string>& args,
                         const std::string& expected) {
    const testing::RunResult r = cli.MustRun(server, args);
    EXPECT_THAT(r.out, HasSubstr(expected));
    const std::vector<std::string> positions = WrittenPositions(r.out);
    EXPECT_FALSE(positions.empty()) << r.out;
    story.written.insert(story.written.end(), positions.begin(), positions.end());
    return r.out;
  };

  // The organisation, written by workload.
  write(at.workload,
        {"municipality", "add", "0657", "--name", "Herning", "--effective-from", "2026-01-01"},
        "registered municipality 0657 (Herning)");
  write(at.workload, {"team", "add", "--name", "Vest", "--id", "vest"}, "created team vest (Vest)");
  write(at.workload,
        {"caseworker", "add", "--name", "Anna Holm", "--team", "vest", "--id", "anna", "--fte", "1",
         "--start", "2026-01-01"},
        "registered caseworker anna (Anna Holm, team vest)");
  write(at.workload,
        {"caseworker", "add", "--name", "Bo Lund", "--team", "vest", "--id", "bo", "--fte", "0.5",
         "--start", "2026-01-01"},
        "registered caseworker bo (Bo Lund, team vest)");

  // Cases must have seen the organisation before it opens a case there: a query to cases
  // that waits for workload's last write (read-your-writes across services).
  cli.MustRun(at.cases, Concat({"case", "list"}, MinPositions(story.written)));
  const testing::RunResult open = cli.MustRun(
      at.cases, {"--json", "case", "open", "--cpr", "0101201234", "--given-name", "Sofie",
                 "--family-name", "Jensen", "--basis", "application", "--team", "vest",
                 "--caseworker", "anna", "--grade", "complex", "--on", "2026-03-02"});
  cases::v1::OpenCaseResponse opened;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(open.out, &opened).ok()) << open.out;
  story.case_id = opened.case_id();
  EXPECT_EQ(opened.caseworker_id(), "anna");
  EXPECT_EQ(opened.positions_size(), 3);  // opened, the primary assigned, the grade assessed
  for (const auto& p : opened.positions()) {
    story.written.push_back(p.topic() + ":" + std::to_string(p.partition()) + ":" +
                            std::to_string(p.offset()));
  }
  const std::string case_opened = story.written.back();
  const std::string& case_id = story.case_id;

  write(at.cases,
        {"case", "assign", case_id, "--caseworker", "bo", "--role", "co-worker", "--purpose",
         "foster-family", "--on", "2026-03-05"},
        "assigned bo (co-worker) to case " + case_id);

  // Placements must have seen the case before it places the child.
  const testing::RunResult staircase = cli.MustRun(
      at.placements, Concat({"staircase", "--as-of", "2026-03-02"}, MinPositions({case_opened})));
  EXPECT_THAT(staircase.out, HasSubstr("(no active intervention)"));
  const std::string placed =
      LastWrite(write(at.placements,
                      {"intervention", "start", case_id, "--step", "5", "--placement",
                       "general-foster-family", "--consent", "with-consent", "--start",
                       "2026-03-02", "--planned-end", "2027-03-01", "--monthly-cost", "3500000"},
                      "on case " + case_id + ", step 5"));

  // Scheduling must have seen the placement before a follow-up can meet its deadlines.
  // Right after the placement (seen from 2026-03-03): the first deadlines, all open.
  const testing::RunResult first = cli.MustRun(
      at.scheduling,
      Concat({"deadlines", "--case", case_id, "--as-of", "2026-03-03"}, MinPositions({placed})));
  const std::string source_se = "Borås practice (Sverigesmodellen)";
  EXPECT_THAT(TableRows(first.out),
              UnorderedElementsAreArray({
                  "2026-03-16|" + case_id + "|SE-FIRST-2W|" + source_se + "|open|anna|vest",
                  "2026-03-16|" + case_id + "|SE-FIRST-2W|" + source_se + "|open|anna|vest",
                  "2026-03-16|" + case_id + "|SE-FIRST-2W|" + source_se + "|open|anna|vest",
                  // The co-worker joins on 03-05: seen from 03-03 this is still open (the
                  // team leader's).
                  "2026-03-16|" + case_id + "|SE-TWO-WORKERS|" + source_se + "|open|vest",
                  "2026-06-02|" + case_id + "|PLAN-3M|Barnets lov par. 91|open|anna|vest",
                  "2026-06-02|" + case_id + "|FU-FIRST-3M|Barnets lov par. 95|open|anna|vest",
                  "2026-09-02|" + case_id + "|TILSYN-6M|Barnets lov par. 156.5|open|anna|vest",
              }))
      << first.out;

  // A child conversation on time (day 8), the plan on day 10, the foster family's first
  // follow-up on day 18: late (due on day 14).
  write(at.scheduling,
        {"followup", "record", case_id, "--kind", "child-conversation", "--on", "2026-03-10",
         "--caseworker", "anna"},
        "(child-conversation) on case " + case_id);
  write(at.placements, {"plan", "approve", case_id, "--on", "2026-03-12"},
        "approved the child's plan of case " + case_id);
  const std::vector<std::string> visit = {"followup",
                                          "record",
                                          case_id,
                                          "--kind",
                                          "foster-family-follow-up",
                                          "--on",
                                          "2026-03-20",
                                          "--caseworker",
                                          "bo",
                                          "--request-id",
                                          "5b0e3c52-7d8f-4c1a-9f0e-6a2d4b8c1e73"};
  const std::string visited_out =
      write(at.scheduling, visit, "(foster-family-follow-up) on case " + case_id);
  // A client that retries the same command (same request id) gets the first outcome and
  // nothing more is written.
  const testing::RunResult retried = cli.MustRun(at.scheduling, visit);
  EXPECT_EQ(retried.out, visited_out);

  return story;
}

std::map<std::string, std::string> Answers(Cli& cli, const Endpoints& at,
                                           const std::string& case_id,
                                           const std::vector<std::string>& min_positions) {
  const std::vector<std::string> wait = MinPositions(min_positions);
  std::map<std::string, std::string> answers;
  const auto ask = [&](const std::string& name, const std::string& server,
                       const std::vector<std::string>& args) {
    answers[name] = cli.MustRun(server, Concat(args, wait)).out;
  };
  ask("deadlines of the case", at.scheduling,
      {"deadlines", "--case", case_id, "--as-of", "2026-04-15"});
  ask("overdue in Herning", at.scheduling, {"deadlines", "--overdue", "--as-of", "2026-04-15"});
  ask("load of anna", at.workload, {"load", "--caseworker", "anna", "--as-of", "2026-04-15"});
  ask("load of bo", at.workload, {"load", "--caseworker", "bo", "--as-of", "2026-04-15"});
  ask("load of team vest", at.workload, {"load", "--team", "vest", "--as-of", "2026-04-15"});
  ask("the case", at.cases, {"case", "show", case_id});
  ask("the case's history", at.cases, {"case", "history", case_id});
  ask("the trajectory", at.placements, {"staircase", "--case", case_id, "--as-of", "2026-04-15"});
  return answers;
}

void ExpectTheStorysDeadlinesAndLoads(const std::map<std::string, std::string>& answers,
                                      const std::string& case_id) {
  const auto answer = [&](const std::string& name) {
    const auto it = answers.find(name);
    return it == answers.end() ? std::string() : it->second;
  };
  const std::string se = "|Borås practice (Sverigesmodellen)|";
  // Placement from 2026-03-02 (foster family, par. 43): SE-FIRST-2W on each track and the
  // plan by 03-16; met on 03-10 (conversation), 03-12 (plan), 03-20 (foster family, late).
  // SE-FOSTER then recurs a month after each follow-up while the placement is under six
  // months old: 04-10 (Anna's conversation track; overdue on 04-15) and 04-20 (Bo's
  // foster family track). PLAN-3M and FU-FIRST-3M (06-02) were met by the plan and the
  // conversation; TILSYN-6M is due six months after the start.
  EXPECT_THAT(
      TableRows(answer("deadlines of the case")),
      UnorderedElementsAreArray({
          "2026-03-16|" + case_id + "|SE-FIRST-2W" + se + "met-on-time 2026-03-12|vest",
          "2026-03-16|" + case_id + "|SE-FIRST-2W" + se + "met-on-time 2026-03-10|vest",
          "2026-03-16|" + case_id + "|SE-FIRST-2W" + se + "met-late 2026-03-20|vest",
          "2026-03-16|" + case_id + "|SE-TWO-WORKERS" + se + "met-on-time 2026-03-05|vest",
          "2026-04-10|" + case_id + "|SE-FOSTER" + se + "OVERDUE|anna|vest",
          "2026-04-20|" + case_id + "|SE-FOSTER" + se + "open|bo|vest",
          "2026-06-02|" + case_id + "|PLAN-3M|Barnets lov par. 91|met-on-time 2026-03-12|vest",
          "2026-06-02|" + case_id + "|FU-FIRST-3M|Barnets lov par. 95|met-on-time 2026-03-10|vest",
          "2026-09-02|" + case_id + "|TILSYN-6M|Barnets lov par. 156.5|open|anna|vest",
      }))
      << answer("deadlines of the case");
  EXPECT_THAT(TableRows(answer("overdue in Herning")),
              UnorderedElementsAreArray(
                  {"2026-04-10|" + case_id + "|SE-FOSTER" + se + "OVERDUE|anna|vest"}))
      << answer("overdue in Herning");

  // Points: complex (6) + 2 in the placement's first 12 months = 8; Anna (primary) 100%,
  // Bo (co-worker) 50%; targets 120 x FTE.
  EXPECT_THAT(answer("load of anna"), HasSubstr("load (points):      8\n"));
  EXPECT_THAT(answer("load of anna"), HasSubstr("target (points):    120\n"));
  EXPECT_THAT(answer("load of anna"), HasSubstr("cases (primary):    1\n"));
  EXPECT_THAT(answer("load of bo"), HasSubstr("load (points):      4\n"));
  EXPECT_THAT(answer("load of bo"), HasSubstr("target (points):    60\n"));
  EXPECT_THAT(answer("load of bo"), HasSubstr("cases (co-worker):  1\n"));
  EXPECT_THAT(answer("load of team vest"), HasSubstr("load 12 of 180 points, headroom 168"));

  EXPECT_THAT(answer("the case"), HasSubstr("Sofie Jensen"));  // decrypted with the master key
  EXPECT_THAT(answer("the case's history"), HasSubstr("CaseOpened"));
  EXPECT_THAT(answer("the trajectory"), HasSubstr("now on step 5"));
}

}  // namespace trappe::e2e
