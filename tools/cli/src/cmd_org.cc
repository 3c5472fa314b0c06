// municipality, team and caseworker: the organisation (WorkloadService).
#include <cmath>
#include <iostream>

#include "context.h"
#include "output.h"
#include "trappe/workload/v1/service.grpc.pb.h"

namespace trappe::cli {

namespace wl = trappe::workload::v1;

namespace {

void AddMunicipality(CLI::App& parent, Cli& cli) {
  auto* group = parent.add_subcommand(
      "municipality", "Municipalities (kommuner): each is a tenant, named by its 4-digit code");
  group->require_subcommand(1);
  struct Opts {
    std::string code, name, effective_from;
    std::vector<std::string> presets = {"national-staircase", "barnets-lov", "sverigesmodel",
                                        "default-weights"};
  };
  auto opts = std::make_shared<Opts>();
  auto* add = group->add_subcommand(
      "add",
      "Register a municipality with its presets: a staircase (Indsatstrappen, the steps from\n"
      "prevention to institution placement), follow-up rules (Barnets lov: the children's act;\n"
      "sverigesmodel: the Swedish model's tighter follow-up) and a weight table (points per "
      "case).");
  add->add_option("code", opts->code, "The 4-digit municipality code, e.g. 0657 (Herning)")
      ->required();
  add->add_option("--name", opts->name, "The municipality's name, e.g. Herning")->required();
  add->add_option("--preset", opts->presets,
                  "A preset to use (repeatable): national-staircase, barnets-lov, sverigesmodel, "
                  "default-weights")
      ->capture_default_str();
  add->add_option("--effective-from", opts->effective_from,
                  "First day the configuration applies (YYYY-MM-DD); default today");
  AddCommandFlags(*add, cli, /*has_version=*/false);
  add->callback([&cli, opts] {
    wl::RegisterMunicipalityRequest request;
    request.set_tenant(opts->code);
    cli.FillCommand(request);
    request.set_name(opts->name);
    for (const auto& preset : opts->presets) request.add_presets(preset);
    SetDate("--effective-from", opts->effective_from, request.mutable_effective_from());
    auto stub = wl::WorkloadService::NewStub(cli.channel());
    Run<wl::RegisterMunicipalityResponse>(
        cli,
        [&](grpc::ClientContext* context, wl::RegisterMunicipalityResponse* response) {
          return stub->RegisterMunicipality(context, request, response);
        },
        [&](const wl::RegisterMunicipalityResponse& response) {
          std::cout << "registered municipality " << opts->code << " (" << opts->name << ")\n";
          PrintWritten(response.positions(), response.version());
        });
  });
}

void AddTeam(CLI::App& parent, Cli& cli) {
  auto* group = parent.add_subcommand("team", "Teams (teams of caseworkers, e.g. Team Vest)");
  group->require_subcommand(1);
  struct Opts {
    std::string id, name;
  };
  auto opts = std::make_shared<Opts>();
  auto* add = group->add_subcommand("add", "Create a team");
  add->add_option("--name", opts->name, "The team's name")->required();
  add->add_option("--id", opts->id, "The team's id; default the server assigns a UUID");
  AddCommandFlags(*add, cli, /*has_version=*/false);
  add->callback([&cli, opts] {
    wl::CreateTeamRequest request;
    cli.FillCommand(request);
    request.set_team_id(opts->id);
    request.set_name(opts->name);
    auto stub = wl::WorkloadService::NewStub(cli.channel());
    Run<wl::CreateTeamResponse>(
        cli,
        [&](grpc::ClientContext* context, wl::CreateTeamResponse* response) {
          return stub->CreateTeam(context, request, response);
        },
        [&](const wl::CreateTeamResponse& response) {
          std::cout << "created team " << response.team_id() << " (" << opts->name << ")\n";
          PrintWritten(response.positions(), response.version());
        });
  });
}

void AddCaseworker(CLI::App& parent, Cli& cli) {
  auto* group =
      parent.add_subcommand("caseworker", "Caseworkers (sagsbehandlere): who carries the cases");
  group->require_subcommand(1);
  struct Opts {
    std::string id, name, team, start;
    double fte = 1.0;
    std::optional<int> target;
  };
  auto opts = std::make_shared<Opts>();
  auto* add = group->add_subcommand("add", "Register a caseworker in a team");
  add->add_option("--name", opts->name, "Their work name")->required();
  add->add_option("--team", opts->team, "Their team's id")->required();
  add->add_option("--id", opts->id,
                  "Their id, e.g. their user name so that it matches --actor; default a UUID");
  add->add_option("--fte", opts->fte, "Working time as a share of a full-time post (0.001-1)")
      ->capture_default_str();
  add->add_option("--target", opts->target,
                  "Their own points target, replacing the weight table's target x FTE");
  add->add_option("--start", opts->start, "Their first working day (YYYY-MM-DD); default today");
  AddCommandFlags(*add, cli, /*has_version=*/false);
  add->callback([&cli, opts] {
    wl::RegisterCaseworkerRequest request;
    cli.FillCommand(request);
    request.set_caseworker_id(opts->id);
    request.set_display_name(opts->name);
    request.set_team_id(opts->team);
    request.set_fte_milli(static_cast<int32_t>(std::lround(opts->fte * 1000)));
    if (opts->target) request.set_target_points_override(*opts->target);
    SetDate("--start", opts->start, request.mutable_start_date());
    auto stub = wl::WorkloadService::NewStub(cli.channel());
    Run<wl::RegisterCaseworkerResponse>(
        cli,
        [&](grpc::ClientContext* context, wl::RegisterCaseworkerResponse* response) {
          return stub->RegisterCaseworker(context, request, response);
        },
        [&](const wl::RegisterCaseworkerResponse& response) {
          std::cout << "registered caseworker " << response.caseworker_id() << " (" << opts->name
                    << ", team " << opts->team << ")\n";
          PrintWritten(response.positions(), response.version());
        });
  });
}

}  // namespace

void AddOrgCommands(CLI::App& app, Cli& cli) {
  AddMunicipality(app, cli);
  AddTeam(app, cli);
  AddCaseworker(app, cli);
}

}  // namespace trappe::cli
