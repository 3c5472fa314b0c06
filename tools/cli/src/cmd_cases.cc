// case open|assign|unassign|assess|close|reopen|show|list|history|as-of (CaseService).
#include <google/protobuf/util/time_util.h>

#include <iostream>

#include "context.h"
#include "output.h"
#include "trappe/cases/v1/service.grpc.pb.h"

namespace trappe::cli {

namespace cs = trappe::cases::v1;
using google::protobuf::util::TimeUtil;

namespace {

std::string FormatTime(const google::protobuf::Timestamp& time) {
  if (time.seconds() == 0 && time.nanos() == 0) return "";
  return TimeUtil::ToString(time);
}

void PrintCase(const cs::Case& c) {
  Fields fields;
  fields.Add("case", c.case_id());
  fields.Add("child", c.child_id());
  if (c.personal_data().state() == cs::PERSONAL_DATA_STATE_AVAILABLE) {
    const auto& data = c.personal_data().data();
    fields.Add("name", data.given_name() + " " + data.family_name());
    fields.Add("cpr", data.cpr_number());
  } else {
    fields.Add("personal data",
               EnumName(cs::PersonalDataState_descriptor(), c.personal_data().state()));
  }
  fields.Add("status", EnumName(cs::CaseStatus_descriptor(), c.status()));
  std::string basis = EnumName(cs::LegalBasis_descriptor(), c.legal_basis());
  if (!c.legal_basis_text().empty()) basis += " (" + c.legal_basis_text() + ")";
  fields.Add("legal basis", basis);
  fields.Add("opened on", FormatDate(c.opened_on()));
  if (c.status() == cs::CASE_STATUS_CLOSED) {
    std::string reason = EnumName(cs::ClosureReason_descriptor(), c.closure_reason());
    if (!c.closure_reason_text().empty()) reason += " (" + c.closure_reason_text() + ")";
    fields.Add("closed on", FormatDate(c.closed_on()) + ", " + reason);
  }
  fields.Add("team", c.team_id());
  std::string grade = c.grade() == cs::CASE_GRADE_UNSPECIFIED
                          ? "not assessed"
                          : EnumName(cs::CaseGrade_descriptor(), c.grade());
  if (!c.grade_reason().empty()) grade += " (" + c.grade_reason() + ")";
  fields.Add("grade", grade);
  fields.Add("version", std::to_string(c.version()));
  fields.Print(std::cout);
  if (c.caseworkers_size() > 0) {
    std::cout << "\ncaseworkers\n";
    Table table({"CASEWORKER", "ROLE", "PURPOSE", "SINCE"});
    for (const auto& a : c.caseworkers()) {
      table.Add({a.caseworker_id(), EnumName(cs::CaseworkerRole_descriptor(), a.role()),
                 EnumName(cs::CoWorkerPurpose_descriptor(), a.purpose()), FormatDate(a.since())});
    }
    table.Print(std::cout);
  }
  if (c.reports_of_concern_size() > 0) {
    std::cout << "\nreports of concern (underretninger)\n";
    Table table({"REPORT", "RECEIVED", "REPORTER", "ASSESSED", "OUTCOME"});
    for (const auto& r : c.reports_of_concern()) {
      table.Add({r.report_id(), FormatTime(r.received_at()),
                 EnumName(cs::ReporterType_descriptor(), r.reporter_type()),
                 r.assessed() ? FormatTime(r.assessed_at()) + (r.acute() ? " (acute)" : "") : "no",
                 EnumName(cs::ConcernOutcome_descriptor(), r.outcome())});
    }
    table.Print(std::cout);
  }
  if (c.investigations_size() > 0) {
    std::cout << "\ninvestigations (BFU)\n";
    Table table({"INVESTIGATION", "STARTED", "COMPLETED", "CONCLUSION"});
    for (const auto& i : c.investigations()) {
      table.Add({i.investigation_id(), FormatDate(i.started_on()),
                 i.completed() ? FormatDate(i.completed_on()) : "running",
                 EnumName(cs::InvestigationConclusion_descriptor(), i.conclusion())});
    }
    table.Print(std::cout);
  }
}

// A case command with a positional case id and an effective date.
struct CaseCommandOpts {
  std::string case_id, on;
};

CLI::App* CaseCommand(CLI::App& group, Cli& cli, const std::string& name,
                      const std::string& description, CaseCommandOpts& opts,
                      const std::string& on_help) {
  auto* command = group.add_subcommand(name, description);
  command->add_option("case", opts.case_id, "The case's id")->required();
  command->add_option("--on", opts.on, on_help + " (YYYY-MM-DD); default today");
  AddCommandFlags(*command, cli);
  return command;
}

void AddOpen(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string cpr, given, family, basis = "report-of-concern", basis_text, on, team, caseworker,
                                    grade, grade_reason;
  };
  auto o = std::make_shared<Opts>();
  auto* open = group.add_subcommand(
      "open",
      "Open a case (sag) for a child. Without --caseworker the server suggests the least loaded\n"
      "caseworker of the team with room for the case (the Swedish model's caseload ceiling).");
  open->add_option("--cpr", o->cpr,
                   "The child's CPR number (personnummer), 10 digits; stored only encrypted")
      ->required();
  open->add_option("--given-name", o->given, "The child's given name")->required();
  open->add_option("--family-name", o->family, "The child's family name")->required();
  open->add_option("--basis", o->basis,
                   "Legal basis: " + EnumChoices(cs::LegalBasis_descriptor()) +
                       " (report-of-concern: underretning)")
      ->capture_default_str();
  open->add_option("--basis-text", o->basis_text, "The legal basis in words (no personal data)");
  open->add_option("--on", o->on, "The day the case opens (YYYY-MM-DD); default today");
  open->add_option("--team", o->team, "The team handling the case")->required();
  open->add_option("--caseworker", o->caseworker, "The primary caseworker; default suggested");
  open->add_option("--grade", o->grade,
                   "The case's grade if known: " + EnumChoices(cs::CaseGrade_descriptor()));
  open->add_option("--grade-reason", o->grade_reason, "What makes the case this grade");
  AddCommandFlags(*open, cli, /*has_version=*/false);
  open->callback([&cli, o] {
    cs::OpenCaseRequest request;
    cli.FillCommand(request);
    request.mutable_personal_data()->set_cpr_number(o->cpr);
    request.mutable_personal_data()->set_given_name(o->given);
    request.mutable_personal_data()->set_family_name(o->family);
    request.set_legal_basis(
        ParseEnumAs<cs::LegalBasis>(cs::LegalBasis_descriptor(), "--basis", o->basis));
    request.set_legal_basis_text(o->basis_text);
    SetDate("--on", o->on, request.mutable_opened_on());
    request.set_team_id(o->team);
    request.set_caseworker_id(o->caseworker);
    if (!o->grade.empty()) {
      request.set_grade(
          ParseEnumAs<cs::CaseGrade>(cs::CaseGrade_descriptor(), "--grade", o->grade));
    }
    request.set_grade_reason(o->grade_reason);
    auto stub = cs::CaseService::NewStub(cli.channel());
    Run<cs::OpenCaseResponse>(
        cli,
        [&](grpc::ClientContext* context, cs::OpenCaseResponse* response) {
          return stub->OpenCase(context, request, response);
        },
        [&](const cs::OpenCaseResponse& response) {
          std::cout << "opened case " << response.case_id() << " (child " << response.child_id()
                    << ")\n";
          if (response.caseworker_id().empty()) {
            std::cout << "no primary caseworker";
          } else {
            std::cout << "primary caseworker " << response.caseworker_id()
                      << (response.caseworker_suggested() ? " (suggested)" : "");
          }
          if (!response.assignment_reason().empty()) {
            std::cout << ": " << response.assignment_reason();
          }
          std::cout << '\n';
          PrintWritten(response.positions(), response.version());
        });
  });
}

void AddAssign(CLI::App& group, Cli& cli) {
  struct Opts : CaseCommandOpts {
    std::string caseworker, role = "primary", purpose, reason;
    bool remove = false;
  };
  auto o = std::make_shared<Opts>();
  auto* assign = CaseCommand(
      group, cli, "assign",
      "Give a caseworker a role on a case: primary (the responsible caseworker) or co-worker\n"
      "(medarbejder: e.g. the child conversations or the foster family follow-up). A case has\n"
      "one primary caseworker: to change it, first --remove the old one.",
      *o, "The day the role takes effect");
  assign->add_option("--caseworker", o->caseworker, "The caseworker")->required();
  assign->add_option("--role", o->role, "Role: " + EnumChoices(cs::CaseworkerRole_descriptor()))
      ->capture_default_str();
  assign->add_option("--purpose", o->purpose,
                     "For a co-worker: " + EnumChoices(cs::CoWorkerPurpose_descriptor()));
  assign->add_option("--reason", o->reason, "Why (no personal data)");
  assign->add_flag("--remove", o->remove, "Take the role away instead (unassign)");
  assign->callback([&cli, o] {
    const auto role =
        ParseEnumAs<cs::CaseworkerRole>(cs::CaseworkerRole_descriptor(), "--role", o->role);
    const auto purpose = o->purpose.empty()
                             ? cs::CO_WORKER_PURPOSE_UNSPECIFIED
                             : ParseEnumAs<cs::CoWorkerPurpose>(cs::CoWorkerPurpose_descriptor(),
                                                                "--purpose", o->purpose);
    if (o->remove) {
      cs::UnassignCaseworkerRequest request;
      cli.FillCommand(request);
      request.set_case_id(o->case_id);
      request.set_caseworker_id(o->caseworker);
      request.set_role(role);
      request.set_purpose(purpose);
      SetDate("--on", o->on, request.mutable_effective_date());
      request.set_reason(o->reason);
      RunWrite<cs::CaseService, cs::UnassignCaseworkerResponse>(
          cli, request, &cs::CaseService::Stub::UnassignCaseworker,
          "unassigned " + o->caseworker + " (" + o->role + ") from case " + o->case_id);
      return;
    }
    cs::AssignCaseworkerRequest request;
    cli.FillCommand(request);
    request.set_case_id(o->case_id);
    request.set_caseworker_id(o->caseworker);
    request.set_role(role);
    request.set_purpose(purpose);
    SetDate("--on", o->on, request.mutable_effective_date());
    request.set_reason(o->reason);
    RunWrite<cs::CaseService, cs::AssignCaseworkerResponse>(
        cli, request, &cs::CaseService::Stub::AssignCaseworker,
        "assigned " + o->caseworker + " (" + o->role + ") to case " + o->case_id);
  });
}

void AddAssess(CLI::App& group, Cli& cli) {
  struct Opts : CaseCommandOpts {
    std::string grade, reason;
  };
  auto o = std::make_shared<Opts>();
  auto* assess = CaseCommand(
      group, cli, "assess",
      "Assess a case's grade (tyngde: simple, complex or very complex), which sets its weight in\n"
      "points in the caseworker's load.",
      *o, "The day the grade applies from");
  assess->add_option("--grade", o->grade, "Grade: " + EnumChoices(cs::CaseGrade_descriptor()))
      ->required();
  assess->add_option("--reason", o->reason, "What makes the case this grade (no personal data)");
  assess->callback([&cli, o] {
    cs::AssessWeightRequest request;
    cli.FillCommand(request);
    request.set_case_id(o->case_id);
    request.set_grade(ParseEnumAs<cs::CaseGrade>(cs::CaseGrade_descriptor(), "--grade", o->grade));
    request.set_reason(o->reason);
    SetDate("--on", o->on, request.mutable_effective_date());
    RunWrite<cs::CaseService, cs::AssessWeightResponse>(
        cli, request, &cs::CaseService::Stub::AssessWeight,
        "assessed case " + o->case_id + " as " + o->grade);
  });
}

void AddCloseReopen(CLI::App& group, Cli& cli) {
  struct Opts : CaseCommandOpts {
    std::string reason, reason_text;
  };
  auto c = std::make_shared<Opts>();
  auto* close = CaseCommand(group, cli, "close", "Close an open case (afslutte sagen)", *c,
                            "The day the case closes");
  close->add_option("--reason", c->reason, "Why: " + EnumChoices(cs::ClosureReason_descriptor()))
      ->required();
  close->add_option("--reason-text", c->reason_text, "The reason in words (required with other)");
  close->callback([&cli, c] {
    cs::CloseCaseRequest request;
    cli.FillCommand(request);
    request.set_case_id(c->case_id);
    request.set_reason(
        ParseEnumAs<cs::ClosureReason>(cs::ClosureReason_descriptor(), "--reason", c->reason));
    request.set_reason_text(c->reason_text);
    SetDate("--on", c->on, request.mutable_closed_on());
    RunWrite<cs::CaseService, cs::CloseCaseResponse>(
        cli, request, &cs::CaseService::Stub::CloseCase, "closed case " + c->case_id);
  });

  auto r = std::make_shared<Opts>();
  auto* reopen = CaseCommand(group, cli, "reopen", "Reopen a closed case (genoptage sagen)", *r,
                             "The day the case reopens");
  reopen->add_option("--reason", r->reason, "Why: " + EnumChoices(cs::ReopenReason_descriptor()))
      ->required();
  reopen->add_option("--reason-text", r->reason_text, "The reason in words (required with other)");
  reopen->callback([&cli, r] {
    cs::ReopenCaseRequest request;
    cli.FillCommand(request);
    request.set_case_id(r->case_id);
    request.set_reason(
        ParseEnumAs<cs::ReopenReason>(cs::ReopenReason_descriptor(), "--reason", r->reason));
    request.set_reason_text(r->reason_text);
    SetDate("--on", r->on, request.mutable_reopened_on());
    RunWrite<cs::CaseService, cs::ReopenCaseResponse>(
        cli, request, &cs::CaseService::Stub::ReopenCase, "reopened case " + r->case_id);
  });
}

void AddQueries(CLI::App& group, Cli& cli) {
  auto show_id = std::make_shared<std::string>();
  auto* show = group.add_subcommand("show", "Show a case as it is now");
  show->add_option("case", *show_id, "The case's id")->required();
  AddQueryFlags(*show, cli);
  show->callback([&cli, show_id] {
    cs::GetCaseRequest request;
    cli.FillQuery(request);
    request.set_case_id(*show_id);
    auto stub = cs::CaseService::NewStub(cli.channel());
    Run<cs::GetCaseResponse>(
        cli,
        [&](grpc::ClientContext* context, cs::GetCaseResponse* response) {
          return stub->GetCase(context, request, response);
        },
        [](const cs::GetCaseResponse& response) { PrintCase(response.child_case()); });
  });

  struct AsOfOpts {
    std::string case_id, date, known_at;
  };
  auto a = std::make_shared<AsOfOpts>();
  auto* as_of = group.add_subcommand(
      "as-of", "Show a case as it was at the end of a date (every event effective by then)");
  as_of->add_option("case", a->case_id, "The case's id")->required();
  as_of->add_option("date", a->date, "The date (YYYY-MM-DD)")->required();
  as_of->add_option("--known-at", a->known_at,
                    "Count only what was recorded by this instant (RFC 3339, e.g. "
                    "2026-03-02T12:00:00Z): what the system knew then");
  AddQueryFlags(*as_of, cli);
  as_of->callback([&cli, a] {
    cs::GetCaseAsOfRequest request;
    cli.FillQuery(request);
    request.set_case_id(a->case_id);
    *request.mutable_as_of() = ParseDate("date", a->date);
    if (!a->known_at.empty() && !TimeUtil::FromString(a->known_at, request.mutable_known_at())) {
      throw UsageError("--known-at: '" + a->known_at + "' is not an RFC 3339 instant");
    }
    auto stub = cs::CaseService::NewStub(cli.channel());
    Run<cs::GetCaseAsOfResponse>(
        cli,
        [&](grpc::ClientContext* context, cs::GetCaseAsOfResponse* response) {
          return stub->GetCaseAsOf(context, request, response);
        },
        [](const cs::GetCaseAsOfResponse& response) { PrintCase(response.child_case()); });
  });

  struct HistoryOpts {
    std::string case_id, page_token;
    int page_size = 0;
    bool envelopes = false;
  };
  auto h = std::make_shared<HistoryOpts>();
  auto* history = group.add_subcommand(
      "history",
      "Every event of a case from every service, in the order recorded: what happened, who did\n"
      "it, when it was recorded and when it took effect");
  history->add_option("case", h->case_id, "The case's id")->required();
  history->add_option("--page-size", h->page_size, "Entries per page; default the server's");
  history->add_option("--page-token", h->page_token, "The page a previous call pointed to");
  history->add_flag("--envelopes", h->envelopes, "Include each whole event (with --json)");
  AddQueryFlags(*history, cli);
  history->callback([&cli, h] {
    cs::GetCaseHistoryRequest request;
    cli.FillQuery(request);
    request.set_case_id(h->case_id);
    request.mutable_page()->set_page_size(h->page_size);
    request.mutable_page()->set_page_token(h->page_token);
    request.set_include_envelopes(h->envelopes);
    auto stub = cs::CaseService::NewStub(cli.channel());
    Run<cs::GetCaseHistoryResponse>(
        cli,
        [&](grpc::ClientContext* context, cs::GetCaseHistoryResponse* response) {
          return stub->GetCaseHistory(context, request, response);
        },
        [](const cs::GetCaseHistoryResponse& response) {
          Table table({"RECORDED", "EFFECTIVE", "ACTOR", "EVENT", "SUMMARY"});
          for (const auto& e : response.entries()) {
            std::string type = e.event_type();
            type = type.substr(type.rfind('.') + 1);
            table.Add({FormatTime(e.recorded_at()), FormatDate(e.effective_date()), e.actor(), type,
                       e.summary()});
          }
          table.Print(std::cout);
          if (!response.page().next_page_token().empty()) {
            std::cout << "more: --page-token " << response.page().next_page_token() << '\n';
          }
        });
  });

  struct ListOpts {
    std::string team, caseworker, status, page_token;
    int page_size = 0;
    bool personal = false;
  };
  auto l = std::make_shared<ListOpts>();
  auto* list = group.add_subcommand("list", "List the municipality's cases, newest opened first");
  list->add_option("--team", l->team, "Only this team's cases");
  list->add_option("--caseworker", l->caseworker, "Only cases where this caseworker has a role");
  list->add_option("--status", l->status, "Only: open, closed");
  list->add_option("--page-size", l->page_size, "Cases per page; default the server's");
  list->add_option("--page-token", l->page_token, "The page a previous call pointed to");
  list->add_flag("--names", l->personal, "Include the children's names (personal data)");
  AddQueryFlags(*list, cli);
  list->callback([&cli, l] {
    cs::ListCasesRequest request;
    cli.FillQuery(request);
    request.set_team_id(l->team);
    request.set_caseworker_id(l->caseworker);
    if (!l->status.empty()) {
      request.set_status(
          ParseEnumAs<cs::CaseStatus>(cs::CaseStatus_descriptor(), "--status", l->status));
    }
    request.mutable_page()->set_page_size(l->page_size);
    request.mutable_page()->set_page_token(l->page_token);
    request.set_include_personal_data(l->personal);
    auto stub = cs::CaseService::NewStub(cli.channel());
    Run<cs::ListCasesResponse>(
        cli,
        [&](grpc::ClientContext* context, cs::ListCasesResponse* response) {
          return stub->ListCases(context, request, response);
        },
        [personal = l->personal](const cs::ListCasesResponse& response) {
          std::vector<std::string> headers = {"CASE", "CHILD",   "STATUS", "OPENED",
                                              "TEAM", "PRIMARY", "GRADE"};
          if (personal) headers.push_back("NAME");
          Table table(headers);
          for (const auto& c : response.cases()) {
            std::vector<std::string> row = {c.case_id(),
                                            c.child_id(),
                                            EnumName(cs::CaseStatus_descriptor(), c.status()),
                                            FormatDate(c.opened_on()),
                                            c.team_id(),
                                            c.primary_caseworker_id(),
                                            EnumName(cs::CaseGrade_descriptor(), c.grade())};
            if (personal) {
              row.push_back(c.personal_data().data().given_name() + " " +
                            c.personal_data().data().family_name());
            }
            table.Add(row);
          }
          table.Print(std::cout);
          if (!response.page().next_page_token().empty()) {
            std::cout << "more: --page-token " << response.page().next_page_token() << '\n';
          }
        });
  });
}

}  // namespace

void AddCaseCommands(CLI::App& app, Cli& cli) {
  auto* group = app.add_subcommand(
      "case", "Children's cases (sager): open, assign, assess, close, reopen, show, history");
  group->require_subcommand(1);
  AddOpen(*group, cli);
  AddAssign(*group, cli);
  AddAssess(*group, cli);
  AddCloseReopen(*group, cli);
  AddQueries(*group, cli);
}

}  // namespace trappe::cli
