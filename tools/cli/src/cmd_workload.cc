// load: a caseworker's or team's load, on a date or over time; suggest: whom to give a new
// case; capacity: whether a caseworker can take one (WorkloadService).
#include <iostream>

#include "context.h"
#include "output.h"
#include "trappe/workload/v1/service.grpc.pb.h"

namespace trappe::cli {

namespace wl = trappe::workload::v1;
namespace cs = trappe::cases::v1;

namespace {

void PrintContributions(const wl::CaseworkerLoad& load) {
  if (load.cases_size() == 0) return;
  Table table({"CASE", "ROLE", "GRADE", "CASE POINTS", "SHARE", "ADDS", "WHY"});
  for (const auto& c : load.cases()) {
    std::string why;
    for (const auto& m : c.modifiers()) {
      if (!why.empty()) why += "; ";
      why += "+" + std::to_string(m.points()) + " " + m.reason();
    }
    table.Add({c.case_id(), EnumName(cs::CaseworkerRole_descriptor(), c.role()),
               EnumName(cs::CaseGrade_descriptor(), c.grade()) +
                   (c.grade_assessed() ? "" : " (unassessed)"),
               std::to_string(c.case_points()), FormatBasisPoints(c.share_bp()),
               FormatPoints(c.contribution_millipoints()), why});
  }
  table.Print(std::cout);
}

// The new case that suggest and capacity weigh: --grade, --role and --as-of ("" leaves the
// server's default: the table's grade for unassessed cases, primary, today).
struct NewCaseFlags {
  std::string grade, role, as_of;

  void AddTo(CLI::App& command) {
    command.add_option("--grade", grade,
                       "The case's expected grade: " + EnumChoices(cs::CaseGrade_descriptor()) +
                           "; default the weight table's grade for unassessed cases");
    command.add_option(
        "--role", role,
        "The role to fill: " + EnumChoices(cs::CaseworkerRole_descriptor()) + "; default primary");
    command.add_option("--as-of", as_of, "The date (YYYY-MM-DD); default today");
  }

  template <typename Request>
  void SetOn(Request& request) const {
    if (!grade.empty()) {
      request.set_grade(ParseEnumAs<cs::CaseGrade>(cs::CaseGrade_descriptor(), "--grade", grade));
    }
    if (!role.empty()) {
      request.set_role(
          ParseEnumAs<cs::CaseworkerRole>(cs::CaseworkerRole_descriptor(), "--role", role));
    }
    SetDate("--as-of", as_of, request.mutable_as_of());
  }
};

// suggest [--team T] [--grade G] [--role R] [--exclude CW]... [--as-of D]
void AddSuggestCommand(CLI::App& app, Cli& cli) {
  struct Opts {
    std::string team;
    std::vector<std::string> exclude;
    NewCaseFlags new_case;
  };
  auto o = std::make_shared<Opts>();
  auto* suggest = app.add_subcommand(
      "suggest",
      "Whom to give a new case: the employed caseworker (of --team, or anywhere in the\n"
      "municipality) with the most headroom after the case's points, and why");
  suggest->add_option("--team", o->team, "Choose within this team; default the municipality");
  suggest->add_option("--exclude", o->exclude, "A caseworker not to suggest (repeatable)");
  o->new_case.AddTo(*suggest);
  AddQueryFlags(*suggest, cli);
  suggest->callback([&cli, o] {
    wl::SuggestAssigneeRequest request;
    cli.FillQuery(request);
    request.set_team_id(o->team);
    for (const std::string& id : o->exclude) request.add_exclude_caseworker_ids(id);
    o->new_case.SetOn(request);
    auto stub = wl::WorkloadService::NewStub(cli.channel());
    Run<wl::SuggestAssigneeResponse>(
        cli,
        [&](grpc::ClientContext* context, wl::SuggestAssigneeResponse* response) {
          return stub->SuggestAssignee(context, request, response);
        },
        [](const wl::SuggestAssigneeResponse& response) {
          const auto& l = response.load();
          Fields f;
          f.Add("suggested",
                response.caseworker_id() + " (" + l.display_name() + ", team " + l.team_id() + ")");
          f.Add("the case adds (points)", FormatPoints(response.case_millipoints()));
          f.Add("load now (points)",
                FormatPoints(l.load_millipoints()) + " of " + FormatPoints(l.target_millipoints()));
          f.Add("cases (primary)", std::to_string(l.case_count()));
          f.Add("why", response.reason());
          f.Print(std::cout);
        });
  });
}

// capacity --caseworker CW [--grade G] [--role R] [--as-of D]
void AddCapacityCommand(CLI::App& app, Cli& cli) {
  struct Opts {
    std::string caseworker;
    NewCaseFlags new_case;
  };
  auto o = std::make_shared<Opts>();
  auto* capacity = app.add_subcommand(
      "capacity",
      "Whether a caseworker can take a new case: their load and primary cases after it,\n"
      "against their target and the case-count guidance");
  capacity->add_option("--caseworker", o->caseworker, "The caseworker")->required();
  o->new_case.AddTo(*capacity);
  AddQueryFlags(*capacity, cli);
  capacity->callback([&cli, o] {
    wl::CheckCapacityRequest request;
    cli.FillQuery(request);
    request.set_caseworker_id(o->caseworker);
    o->new_case.SetOn(request);
    auto stub = wl::WorkloadService::NewStub(cli.channel());
    Run<wl::CheckCapacityResponse>(
        cli,
        [&](grpc::ClientContext* context, wl::CheckCapacityResponse* response) {
          return stub->CheckCapacity(context, request, response);
        },
        [&o](const wl::CheckCapacityResponse& response) {
          Fields f;
          f.Add("caseworker", o->caseworker);
          f.Add("load after (points)", FormatPoints(response.load_after_millipoints()) + " of " +
                                           FormatPoints(response.target_millipoints()));
          f.Add("headroom after (points)", FormatPoints(response.headroom_after_millipoints()));
          f.Add("cases after (primary)", std::to_string(response.case_count_after()));
          f.Add("within target", response.within_target() ? "yes" : "no");
          f.Add("within the case guidance", response.within_case_count_guidance() ? "yes" : "no");
          for (const std::string& warning : response.warnings()) f.Add("warning", warning);
          f.Print(std::cout);
        });
  });
}

}  // namespace

void AddWorkloadCommands(CLI::App& app, Cli& cli) {
  struct Opts {
    std::string caseworker, team, as_of, from, to, interval = "weekly";
    bool series = false, cases = false;
  };
  auto o = std::make_shared<Opts>();
  auto* load = app.add_subcommand(
      "load",
      "Caseload (sagsbelastning) in points: each case weighs by its grade (tyngde) plus\n"
      "modifiers (e.g. a placement's first months), shared between primary caseworker and\n"
      "co-workers, against a target per full-time post. For a caseworker or a team, on a date\n"
      "or (--series) over time");
  auto* caseworker = load->add_option("--caseworker", o->caseworker, "The caseworker");
  auto* team = load->add_option("--team", o->team, "The team");
  caseworker->excludes(team);
  load->add_option("--as-of", o->as_of, "The date (YYYY-MM-DD); default today");
  load->add_flag("--cases", o->cases, "With --team: every caseworker's cases too");
  load->add_flag("--series", o->series, "The load over time, from --from to --to");
  load->add_option("--from", o->from, "With --series: the first point's date");
  load->add_option("--to", o->to, "With --series: the last date");
  load->add_option("--interval", o->interval, "With --series: weekly or monthly")
      ->capture_default_str();
  AddQueryFlags(*load, cli);
  load->callback([&cli, o] {
    if (o->caseworker.empty() && o->team.empty()) {
      throw UsageError("one of --caseworker or --team is required");
    }
    auto stub = wl::WorkloadService::NewStub(cli.channel());
    if (o->series) {
      if (o->from.empty() || o->to.empty()) throw UsageError("--series needs --from and --to");
      wl::GetLoadSeriesRequest request;
      cli.FillQuery(request);
      if (!o->caseworker.empty()) request.set_caseworker_id(o->caseworker);
      if (!o->team.empty()) request.set_team_id(o->team);
      *request.mutable_period()->mutable_start_date() = ParseDate("--from", o->from);
      *request.mutable_period()->mutable_end_date() = ParseDate("--to", o->to);
      request.set_interval(ParseEnumAs<wl::SeriesInterval>(wl::SeriesInterval_descriptor(),
                                                           "--interval", o->interval));
      Run<wl::GetLoadSeriesResponse>(
          cli,
          [&](grpc::ClientContext* context, wl::GetLoadSeriesResponse* response) {
            return stub->GetLoadSeries(context, request, response);
          },
          [](const wl::GetLoadSeriesResponse& response) {
            Table table({"DATE", "LOAD", "TARGET", "HEADROOM", "CASES"});
            for (const auto& p : response.points()) {
              table.Add({FormatDate(p.as_of()), FormatPoints(p.load_millipoints()),
                         FormatPoints(p.target_millipoints()),
                         FormatPoints(p.headroom_millipoints()), std::to_string(p.case_count())});
            }
            table.Print(std::cout);
          });
      return;
    }
    if (!o->caseworker.empty()) {
      wl::GetCaseworkerLoadRequest request;
      cli.FillQuery(request);
      request.set_caseworker_id(o->caseworker);
      SetDate("--as-of", o->as_of, request.mutable_as_of());
      Run<wl::GetCaseworkerLoadResponse>(
          cli,
          [&](grpc::ClientContext* context, wl::GetCaseworkerLoadResponse* response) {
            return stub->GetCaseworkerLoad(context, request, response);
          },
          [](const wl::GetCaseworkerLoadResponse& response) {
            const auto& l = response.load();
            Fields f;
            f.Add("caseworker", l.caseworker_id() + " (" + l.display_name() + ")");
            f.Add("team", l.team_id());
            f.Add("as of", FormatDate(l.as_of()) + (l.active() ? "" : " (not employed)"));
            f.Add("working time (FTE)", FormatFte(l.fte_milli()));
            f.Add("load (points)", FormatPoints(l.load_millipoints()));
            f.Add("target (points)", FormatPoints(l.target_millipoints()));
            f.Add("headroom (points)", FormatPoints(l.headroom_millipoints()));
            f.Add("cases (primary)", std::to_string(l.case_count()) +
                                         (l.case_count_warning() ? " (above the guidance)" : ""));
            f.Add("cases (co-worker)", std::to_string(l.co_worker_case_count()));
            f.Print(std::cout);
            if (l.cases_size() > 0) std::cout << '\n';
            PrintContributions(l);
          });
      return;
    }
    wl::GetTeamLoadRequest request;
    cli.FillQuery(request);
    request.set_team_id(o->team);
    SetDate("--as-of", o->as_of, request.mutable_as_of());
    request.set_include_cases(o->cases);
    Run<wl::GetTeamLoadResponse>(
        cli,
        [&](grpc::ClientContext* context, wl::GetTeamLoadResponse* response) {
          return stub->GetTeamLoad(context, request, response);
        },
        [](const wl::GetTeamLoadResponse& response) {
          const auto& t = response.team_load();
          std::cout << "team " << t.team_id() << " (" << t.name() << ") as of "
                    << FormatDate(t.as_of()) << ": load " << FormatPoints(t.load_millipoints())
                    << " of " << FormatPoints(t.target_millipoints()) << " points, headroom "
                    << FormatPoints(t.headroom_millipoints()) << "; " << t.case_count()
                    << " cases, " << t.unassigned_case_count() << " without a caseworker; FTE "
                    << FormatFte(t.fte_milli()) << "\n\n";
          Table table(
              {"CASEWORKER", "NAME", "FTE", "LOAD", "TARGET", "HEADROOM", "CASES", "CO-WORKER"});
          for (const auto& l : t.caseworkers()) {
            table.Add({l.caseworker_id(), l.display_name(), FormatFte(l.fte_milli()),
                       FormatPoints(l.load_millipoints()), FormatPoints(l.target_millipoints()),
                       FormatPoints(l.headroom_millipoints()),
                       std::to_string(l.case_count()) + (l.case_count_warning() ? "!" : ""),
                       std::to_string(l.co_worker_case_count())});
          }
          table.Print(std::cout);
          for (const auto& l : t.caseworkers()) {
            if (l.cases_size() == 0) continue;
            std::cout << '\n' << l.caseworker_id() << '\n';
            PrintContributions(l);
          }
        });
  });
  AddSuggestCommand(app, cli);
  AddCapacityCommand(app, cli);
}

}  // namespace trappe::cli
