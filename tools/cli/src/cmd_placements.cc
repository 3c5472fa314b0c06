// intervention start|change|end, plan approve, staircase, noegletal (PlacementService).
#include <iostream>

#include "context.h"
#include "output.h"
#include "trappe/placements/v1/service.grpc.pb.h"

namespace trappe::cli {

namespace pl = trappe::placements::v1;

namespace {

std::string KindName(const pl::InterventionKind& kind) {
  if (kind.has_support()) return EnumName(pl::SupportType_descriptor(), kind.support());
  if (kind.has_placement()) {
    return "placement: " + EnumName(pl::PlacementType_descriptor(), kind.placement());
  }
  return "";
}

void AddIntervention(CLI::App& app, Cli& cli) {
  auto* group = app.add_subcommand(
      "intervention",
      "Interventions (indsatser) and placements (anbringelser, par. 43) on a step of the\n"
      "staircase (Indsatstrappen)");
  group->require_subcommand(1);

  struct StartOpts {
    std::string case_id, support, placement, provider_id, provider_name, start, planned_end,
        consent, purpose;
    int step = 0;
    bool intensive = false;
    int64_t cost = 0;
  };
  auto s = std::make_shared<StartOpts>();
  auto* start =
      group->add_subcommand("start", "Start an intervention or placement on an open case");
  start->add_option("case", s->case_id, "The case's id")->required();
  start->add_option("--step", s->step, "The staircase step (trin), 1..n")->required();
  auto* support =
      start->add_option("--support", s->support,
                        "A support measure (støtte): " + EnumChoices(pl::SupportType_descriptor()));
  auto* placement = start->add_option(
      "--placement", s->placement,
      "A placement (anbringelse): " + EnumChoices(pl::PlacementType_descriptor()) +
          " (opholdssted: a residential home)");
  support->excludes(placement);
  start->add_option("--provider-id", s->provider_id, "The provider's id");
  start->add_option("--provider-name", s->provider_name, "The provider's name");
  start->add_option("--start", s->start, "Its first day (YYYY-MM-DD); default today");
  start->add_option("--planned-end", s->planned_end, "Its planned end (YYYY-MM-DD)");
  start->add_flag("--intensive", s->intensive,
                  "An intensive, time-limited placement (needs --planned-end)");
  start->add_option("--monthly-cost", s->cost, "Its monthly cost in øre (1 kr = 100 øre)");
  start->add_option("--consent", s->consent,
                    "With or without consent (samtykke; required for a placement): " +
                        EnumChoices(pl::ConsentBasis_descriptor()));
  start->add_option("--purpose", s->purpose, "Its purpose (no personal data)");
  AddCommandFlags(*start, cli, /*has_version=*/false);
  start->callback([&cli, s] {
    pl::StartInterventionRequest request;
    cli.FillCommand(request);
    request.set_case_id(s->case_id);
    request.set_step_number(s->step);
    if (!s->support.empty()) {
      request.mutable_kind()->set_support(
          ParseEnumAs<pl::SupportType>(pl::SupportType_descriptor(), "--support", s->support));
    } else if (!s->placement.empty()) {
      request.mutable_kind()->set_placement(ParseEnumAs<pl::PlacementType>(
          pl::PlacementType_descriptor(), "--placement", s->placement));
    } else {
      throw UsageError("one of --support or --placement is required");
    }
    if (!s->provider_id.empty() || !s->provider_name.empty()) {
      request.mutable_provider()->set_provider_id(s->provider_id);
      request.mutable_provider()->set_name(s->provider_name);
    }
    SetDate("--start", s->start, request.mutable_start_date());
    SetDate("--planned-end", s->planned_end, request.mutable_planned_end_date());
    request.set_intensive(s->intensive);
    request.set_monthly_cost_oere(s->cost);
    if (!s->consent.empty()) {
      request.set_consent_basis(
          ParseEnumAs<pl::ConsentBasis>(pl::ConsentBasis_descriptor(), "--consent", s->consent));
    }
    request.set_purpose(s->purpose);
    auto stub = pl::PlacementService::NewStub(cli.channel());
    Run<pl::StartInterventionResponse>(
        cli,
        [&](grpc::ClientContext* context, pl::StartInterventionResponse* response) {
          return stub->StartIntervention(context, request, response);
        },
        [&](const pl::StartInterventionResponse& response) {
          std::cout << "started intervention " << response.intervention_id() << " on case "
                    << s->case_id << ", step " << s->step << '\n';
          PrintWritten(response.positions(), response.version());
        });
  });

  struct ChangeOpts {
    std::string id, provider_id, provider_name, planned_end, consent, on, reason;
    std::optional<int> step;
    std::optional<int64_t> cost;
    std::optional<bool> intensive;
  };
  auto c = std::make_shared<ChangeOpts>();
  auto* change = group->add_subcommand(
      "change", "Change an active intervention's step, provider, cost, planned end or consent");
  change->add_option("intervention", c->id, "The intervention's id")->required();
  change->add_option("--step", c->step, "The new staircase step");
  change->add_option("--provider-id", c->provider_id, "The new provider's id");
  change->add_option("--provider-name", c->provider_name, "The new provider's name");
  change->add_option("--monthly-cost", c->cost, "The new monthly cost in øre");
  change->add_option("--planned-end", c->planned_end, "The new planned end (YYYY-MM-DD)");
  change->add_option("--intensive", c->intensive, "The new intensive flag (true/false)");
  change->add_option("--consent", c->consent,
                     "The new consent basis: " + EnumChoices(pl::ConsentBasis_descriptor()));
  change->add_option("--on", c->on, "The first day the change applies; default today");
  change->add_option("--reason", c->reason, "Why (no personal data)");
  AddCommandFlags(*change, cli);
  change->callback([&cli, c] {
    pl::ChangeInterventionRequest request;
    cli.FillCommand(request);
    request.set_intervention_id(c->id);
    if (c->step) request.set_step_number(*c->step);
    if (!c->provider_id.empty() || !c->provider_name.empty()) {
      request.mutable_provider()->set_provider_id(c->provider_id);
      request.mutable_provider()->set_name(c->provider_name);
    }
    if (c->cost) request.set_monthly_cost_oere(*c->cost);
    SetDate("--planned-end", c->planned_end, request.mutable_planned_end_date());
    if (c->intensive) request.set_intensive(*c->intensive);
    if (!c->consent.empty()) {
      request.set_consent_basis(
          ParseEnumAs<pl::ConsentBasis>(pl::ConsentBasis_descriptor(), "--consent", c->consent));
    }
    SetDate("--on", c->on, request.mutable_effective_date());
    request.set_reason(c->reason);
    RunWrite<pl::PlacementService, pl::ChangeInterventionResponse>(
        cli, request, &pl::PlacementService::Stub::ChangeIntervention,
        "changed intervention " + c->id);
  });

  struct EndOpts {
    std::string id, on, reason, reason_text, destination;
    int destination_step = 0;
  };
  auto e = std::make_shared<EndOpts>();
  auto* end = group->add_subcommand("end", "End an active intervention");
  end->add_option("intervention", e->id, "The intervention's id")->required();
  end->add_option("--on", e->on, "Its last day (YYYY-MM-DD); default today");
  end->add_option("--reason", e->reason, "Why: " + EnumChoices(pl::EndReason_descriptor()))
      ->required();
  end->add_option("--reason-text", e->reason_text, "The reason in words (no personal data)");
  end->add_option("--destination", e->destination,
                  "Where the child went: " + EnumChoices(pl::Destination_descriptor()))
      ->required();
  end->add_option("--destination-step", e->destination_step,
                  "With --destination step: the step the child went to");
  AddCommandFlags(*end, cli);
  end->callback([&cli, e] {
    pl::EndInterventionRequest request;
    cli.FillCommand(request);
    request.set_intervention_id(e->id);
    SetDate("--on", e->on, request.mutable_end_date());
    request.set_reason(
        ParseEnumAs<pl::EndReason>(pl::EndReason_descriptor(), "--reason", e->reason));
    request.set_reason_text(e->reason_text);
    request.set_destination(ParseEnumAs<pl::Destination>(pl::Destination_descriptor(),
                                                         "--destination", e->destination));
    request.set_destination_step_number(e->destination_step);
    RunWrite<pl::PlacementService, pl::EndInterventionResponse>(
        cli, request, &pl::PlacementService::Stub::EndIntervention, "ended intervention " + e->id);
  });
}

void AddPlan(CLI::App& app, Cli& cli) {
  auto* group = app.add_subcommand("plan", "The child's plan (barnets plan, Barnets lov par. 91)");
  group->require_subcommand(1);
  struct Opts {
    std::string case_id, on, note;
    std::vector<std::string> interventions;
  };
  auto o = std::make_shared<Opts>();
  auto* approve = group->add_subcommand(
      "approve", "Record the approval of the child's plan (barnets plan, par. 91)");
  approve->add_option("case", o->case_id, "The case's id")->required();
  approve->add_option("--on", o->on, "The day it was approved (YYYY-MM-DD); default today");
  approve->add_option("--intervention", o->interventions,
                      "An intervention the plan covers (repeatable); default all active ones");
  approve->add_option("--note", o->note, "A short note (no personal data)");
  AddCommandFlags(*approve, cli);
  approve->callback([&cli, o] {
    pl::ApproveChildPlanRequest request;
    cli.FillCommand(request);
    request.set_case_id(o->case_id);
    SetDate("--on", o->on, request.mutable_approved_on());
    for (const auto& id : o->interventions) request.add_intervention_ids(id);
    request.set_note(o->note);
    RunWrite<pl::PlacementService, pl::ApproveChildPlanResponse>(
        cli, request, &pl::PlacementService::Stub::ApproveChildPlan,
        "approved the child's plan of case " + o->case_id);
  });
}

void AddStaircase(CLI::App& app, Cli& cli) {
  struct Opts {
    std::string as_of, team, case_id;
  };
  auto o = std::make_shared<Opts>();
  auto* staircase = app.add_subcommand(
      "staircase",
      "The staircase (Indsatstrappen): how many children stand on each step, from prevention\n"
      "(forebyggelse) to institution placement; with --case, one child's way up and down it");
  staircase->add_option("--as-of", o->as_of, "The date (YYYY-MM-DD); default today");
  staircase->add_option("--team", o->team, "Only children whose case belongs to this team");
  staircase->add_option("--case", o->case_id, "Show this case's trajectory (steps over time)");
  AddQueryFlags(*staircase, cli);
  staircase->callback([&cli, o] {
    auto stub = pl::PlacementService::NewStub(cli.channel());
    if (!o->case_id.empty()) {
      pl::GetTrajectoryRequest request;
      cli.FillQuery(request);
      request.set_case_id(o->case_id);
      SetDate("--as-of", o->as_of, request.mutable_as_of());
      Run<pl::GetTrajectoryResponse>(
          cli,
          [&](grpc::ClientContext* context, pl::GetTrajectoryResponse* response) {
            return stub->GetTrajectory(context, request, response);
          },
          [](const pl::GetTrajectoryResponse& response) {
            std::cout << "case " << response.case_id() << ", child " << response.child_id()
                      << ": now on step " << response.current_step() << "\n\n";
            Table moves({"DATE", "FROM", "TO", "DIRECTION", "INTERVENTION"});
            for (const auto& m : response.changes()) {
              moves.Add(
                  {FormatDate(m.date()), std::to_string(m.from_step()), std::to_string(m.to_step()),
                   EnumName(pl::StepDirection_descriptor(), m.direction()), m.intervention_id()});
            }
            moves.Print(std::cout);
            std::cout << '\n';
            Table interventions({"INTERVENTION", "STEP", "KIND", "START", "END", "STATE"});
            for (const auto& i : response.interventions()) {
              interventions.Add({i.intervention_id(), std::to_string(i.step_number()),
                                 KindName(i.kind()), FormatDate(i.start_date()),
                                 FormatDate(i.end_date()),
                                 EnumName(pl::InterventionState_descriptor(), i.state())});
            }
            interventions.Print(std::cout);
          });
      return;
    }
    pl::GetStaircaseDistributionRequest request;
    cli.FillQuery(request);
    SetDate("--as-of", o->as_of, request.mutable_as_of());
    request.set_team_id(o->team);
    Run<pl::GetStaircaseDistributionResponse>(
        cli,
        [&](grpc::ClientContext* context, pl::GetStaircaseDistributionResponse* response) {
          return stub->GetStaircaseDistribution(context, request, response);
        },
        [](const pl::GetStaircaseDistributionResponse& response) {
          std::cout << "as of " << FormatDate(response.as_of()) << '\n';
          Table table({"STEP", "NAME", "CATEGORY", "PREVENTION", "CHILDREN", "MONTHLY KR"});
          for (const auto& s : response.steps()) {
            table.Add({std::to_string(s.step_number()),
                       s.step_number() == 0 ? "(no active intervention)" : s.step_name(),
                       EnumName(pl::StepCategory_descriptor(), s.category()),
                       s.prevention() ? "yes" : "", std::to_string(s.children()),
                       FormatKroner(s.monthly_cost_oere())});
          }
          table.Print(std::cout);
        });
  });
}

void AddKeyFigures(CLI::App& app, Cli& cli) {
  struct Opts {
    std::string from, to, team;
  };
  auto o = std::make_shared<Opts>();
  auto* figures = app.add_subcommand(
      "noegletal",
      "noegletal: Indsatstrappens nøgletal, the staircase key figures of a period (active counts\n"
      "on its last day; started, ended and moves within it; spending on prevention)");
  figures->add_option("--from", o->from, "The period's first day (YYYY-MM-DD)")->required();
  figures->add_option("--to", o->to, "The period's last day (YYYY-MM-DD)")->required();
  figures->add_option("--team", o->team, "Only this team's cases");
  AddQueryFlags(*figures, cli);
  figures->callback([&cli, o] {
    pl::GetKeyFiguresRequest request;
    cli.FillQuery(request);
    *request.mutable_period()->mutable_start_date() = ParseDate("--from", o->from);
    *request.mutable_period()->mutable_end_date() = ParseDate("--to", o->to);
    request.set_team_id(o->team);
    auto stub = pl::PlacementService::NewStub(cli.channel());
    Run<pl::GetKeyFiguresResponse>(
        cli,
        [&](grpc::ClientContext* context, pl::GetKeyFiguresResponse* response) {
          return stub->GetKeyFigures(context, request, response);
        },
        [](const pl::GetKeyFiguresResponse& response) {
          const auto& k = response.key_figures();
          const auto n = [](int64_t v) { return std::to_string(v); };
          const auto days = [](double d) {
            char buffer[32];
            std::snprintf(buffer, sizeof buffer, "%.1f", d);
            return std::string(buffer);
          };
          std::cout << "period " << FormatDate(k.period().start_date()) << " to "
                    << FormatDate(k.period().end_date()) << "\n\n";
          Fields f;
          f.Add("institution placements active", n(k.institution_placements_active()));
          f.Add("  started / ended", n(k.institution_placements_started()) + " / " +
                                         n(k.institution_placements_ended()));
          f.Add("  average / median days (ended)", days(k.institution_average_duration_days()) +
                                                       " / " +
                                                       days(k.institution_median_duration_days()));
          f.Add("  active over 12 months", n(k.institution_placements_over_12_months()));
          f.Add("foster placements active", n(k.foster_placements_active()));
          f.Add("network placements active", n(k.network_placements_active()));
          f.Add("home-based measures active", n(k.home_based_measures_active()));
          f.Add("preventive interventions active", n(k.preventive_interventions_active()));
          f.Add("  started", n(k.preventive_interventions_started()));
          f.Add("earlier in an institution", n(k.children_previously_in_institution()));
          f.Add("moves up / down", n(k.moves_up()) + " / " + n(k.moves_down()));
          f.Add("  from home-based up / down",
                n(k.moves_up_from_home_based()) + " / " + n(k.moves_down_from_home_based()));
          f.Add("spending on prevention (kr)", FormatKroner(k.prevention_spending_oere()));
          f.Add("spending in all (kr)", FormatKroner(k.total_spending_oere()));
          f.Add("prevention's share", FormatBasisPoints(k.prevention_share_bp()));
          f.Add("intensive placements active", n(k.intensive_placements_active()));
          f.Add("  ended / ended lower early", n(k.intensive_placements_ended()) + " / " +
                                                   n(k.intensive_placements_ended_lower_early()));
          f.Print(std::cout);
        });
  });
}

}  // namespace

void AddPlacementCommands(CLI::App& app, Cli& cli) {
  AddIntervention(app, cli);
  AddPlan(app, cli);
  AddStaircase(app, cli);
  AddKeyFigures(app, cli);
}

}  // namespace trappe::cli
