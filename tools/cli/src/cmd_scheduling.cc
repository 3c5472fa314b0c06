// followup record, deadlines (SchedulingService).
#include <iostream>

#include "context.h"
#include "output.h"
#include "trappe/scheduling/v1/service.grpc.pb.h"

namespace trappe::cli {

namespace sc = trappe::scheduling::v1;

namespace {

void PrintDeadlines(const google::protobuf::RepeatedPtrField<sc::Deadline>& deadlines) {
  Table table({"DUE", "CASE", "RULE", "SOURCE", "STATE", "RESPONSIBLE", "TEAM"});
  for (const auto& d : deadlines) {
    std::string state = EnumName(sc::DeadlineState_descriptor(), d.state());
    if (d.overdue()) state = "OVERDUE";
    if (!FormatDate(d.met_on()).empty()) state += " " + FormatDate(d.met_on());
    std::string due = FormatDate(d.due_date());
    if (d.overridden()) due += "*";
    table.Add({due, d.case_id(), d.rule_id(), d.rule_source(), state, d.responsible_caseworker_id(),
               d.team_id()});
  }
  table.Print(std::cout);
}

void AddFollowUp(CLI::App& app, Cli& cli) {
  auto* group = app.add_subcommand(
      "followup",
      "Follow-ups (opfølgning): child conversations (børnesamtaler), tilsyn (supervision\n"
      "visits), foster family and institution follow-ups, plan revisions");
  group->require_subcommand(1);
  struct Opts {
    std::string case_id, kind, on, caseworker, intervention, note;
  };
  auto o = std::make_shared<Opts>();
  auto* record = group->add_subcommand(
      "record",
      "Record a follow-up held on a case; it meets the earliest open deadline of each rule it\n"
      "satisfies. tilsyn: supervision visit; børnesamtale: child conversation");
  record->add_option("case", o->case_id, "The case's id")->required();
  record->add_option("--kind", o->kind, "What kind: " + EnumChoices(sc::FollowUpKind_descriptor()))
      ->required();
  record->add_option("--on", o->on, "The day it took place (YYYY-MM-DD); default today");
  record->add_option("--caseworker", o->caseworker, "Who held it; default the actor");
  record->add_option("--intervention", o->intervention, "The intervention it concerns");
  record->add_option("--note", o->note, "A short note (no personal data)");
  AddCommandFlags(*record, cli);
  record->callback([&cli, o] {
    sc::RecordFollowUpRequest request;
    cli.FillCommand(request);
    request.set_case_id(o->case_id);
    request.set_kind(
        ParseEnumAs<sc::FollowUpKind>(sc::FollowUpKind_descriptor(), "--kind", o->kind));
    SetDate("--on", o->on, request.mutable_held_on());
    request.set_caseworker_id(o->caseworker);
    request.set_intervention_id(o->intervention);
    request.set_note(o->note);
    auto stub = sc::SchedulingService::NewStub(cli.channel());
    Run<sc::RecordFollowUpResponse>(
        cli,
        [&](grpc::ClientContext* context, sc::RecordFollowUpResponse* response) {
          return stub->RecordFollowUp(context, request, response);
        },
        [&](const sc::RecordFollowUpResponse& response) {
          std::cout << "recorded follow-up " << response.follow_up_id() << " (" << o->kind
                    << ") on case " << o->case_id << '\n';
          PrintWritten(response.positions(), response.version());
        });
  });
}

void AddDeadlines(CLI::App& app, Cli& cli) {
  struct Opts {
    std::string case_id, team, caseworker, as_of, page_token;
    bool mine = false, overdue = false, open_only = false;
    int window = 14, page_size = 0;
  };
  auto o = std::make_shared<Opts>();
  auto* deadlines = app.add_subcommand(
      "deadlines",
      "Deadlines (frister) the follow-up rules set: the 24-hour assessment of an underretning\n"
      "(report of concern), the BFU (børnefaglig undersøgelse, the children's professional\n"
      "investigation, Barnets lov par. 20) within 4 months, barnets plan (the child's plan,\n"
      "par. 91), child conversations and tilsyn (supervision visits). One case's deadlines with\n"
      "--case; otherwise those overdue or due within --window days: yours (--mine), a team's\n"
      "or a caseworker's, or the whole municipality's. * marks an overridden due date.");
  auto* case_option =
      deadlines->add_option("--case", o->case_id, "One case's deadlines, all states");
  deadlines->add_flag("--mine", o->mine, "Deadlines you (--actor) are responsible for")
      ->excludes(case_option);
  deadlines->add_option("--team", o->team, "Only this team's cases")->excludes(case_option);
  deadlines->add_option("--caseworker", o->caseworker, "Only this caseworker's")
      ->excludes(case_option);
  deadlines->add_option("--as-of", o->as_of, "The date seen from (YYYY-MM-DD); default today");
  deadlines->add_flag("--overdue", o->overdue, "Only overdue deadlines (due before --as-of)");
  deadlines->add_option("--window", o->window, "How many days ahead to look")
      ->capture_default_str();
  deadlines->add_flag("--open", o->open_only, "With --case: only open deadlines");
  deadlines->add_option("--page-size", o->page_size, "Deadlines per page; default the server's");
  deadlines->add_option("--page-token", o->page_token, "The page a previous call pointed to");
  deadlines->add_option("--actor", cli.actor, "Who you are, for --mine (env TRAPPE_ACTOR)");
  AddQueryFlags(*deadlines, cli);
  deadlines->callback([&cli, o] {
    auto stub = sc::SchedulingService::NewStub(cli.channel());
    if (!o->case_id.empty()) {
      sc::ListCaseDeadlinesRequest request;
      cli.FillQuery(request);
      request.set_case_id(o->case_id);
      SetDate("--as-of", o->as_of, request.mutable_as_of());
      request.set_open_only(o->open_only || o->overdue);
      const bool overdue_only = o->overdue;
      Run<sc::ListCaseDeadlinesResponse>(
          cli,
          [&](grpc::ClientContext* context, sc::ListCaseDeadlinesResponse* response) {
            const grpc::Status status = stub->ListCaseDeadlines(context, request, response);
            if (status.ok() && overdue_only) {
              google::protobuf::RepeatedPtrField<sc::Deadline> kept;
              for (auto& d : *response->mutable_deadlines()) {
                if (d.overdue()) *kept.Add() = std::move(d);
              }
              response->mutable_deadlines()->Swap(&kept);
            }
            return status;
          },
          [](const sc::ListCaseDeadlinesResponse& response) {
            PrintDeadlines(response.deadlines());
          });
      return;
    }
    sc::ListDueDeadlinesRequest request;
    cli.FillQuery(request);
    request.set_team_id(o->team);
    std::string caseworker = o->caseworker;
    if (o->mine) {
      if (cli.actor.empty()) throw UsageError("--mine needs --actor (or TRAPPE_ACTOR)");
      caseworker = cli.actor;
    }
    request.set_caseworker_id(caseworker);
    SetDate("--as-of", o->as_of, request.mutable_as_of());
    request.set_window_days(o->window);
    request.set_overdue_only(o->overdue);
    request.mutable_page()->set_page_size(o->page_size);
    request.mutable_page()->set_page_token(o->page_token);
    Run<sc::ListDueDeadlinesResponse>(
        cli,
        [&](grpc::ClientContext* context, sc::ListDueDeadlinesResponse* response) {
          return stub->ListDueDeadlines(context, request, response);
        },
        [](const sc::ListDueDeadlinesResponse& response) {
          PrintDeadlines(response.deadlines());
          if (!response.page().next_page_token().empty()) {
            std::cout << "more: --page-token " << response.page().next_page_token() << '\n';
          }
        });
  });
}

}  // namespace

void AddSchedulingCommands(CLI::App& app, Cli& cli) {
  AddFollowUp(app, cli);
  AddDeadlines(app, cli);
}

}  // namespace trappe::cli
