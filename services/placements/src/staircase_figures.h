// The staircase figures, computed from the projection's case records with the rules of
// libs/rules (current step, trajectory, spending pro rata by day). Pure: no store, no clock.
//
// Every intervention carries its step as the staircase defined it when it started or moved
// (name, prevention flag, category): the figures read those, never today's staircase, so a
// later change of the staircase leaves past figures as they were.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "proto/placements_store.pb.h"
#include "trappe/common/civil_date.h"
#include "trappe/common/status.h"
#include "trappe/placements/v1/service.pb.h"
#include "trappe/rules/staircase.h"

namespace trappe::placements {

// A date of a stored record (validated when it was written); the default date when unset.
CivilDate DateOf(const common::v1::Date& date);

// A step as an intervention saw it (the name points into the record it came from).
struct StepInfo {
  int number = 0;
  std::string_view name;
  bool prevention = false;
  v1::StepCategory category = v1::STEP_CATEGORY_UNSPECIFIED;
};

// One intervention in the rules' terms, with what the figures need beside them.
struct InterventionFacts {
  const rules::Intervention* iv = nullptr;                       // in CaseFacts::rules
  v1::PlacementType placement = v1::PLACEMENT_TYPE_UNSPECIFIED;  // unset for a par. 32 support
  std::vector<StepInfo> steps;  // the steps it has stood on, by number
  const store::InterventionRecord* record = nullptr;

  const rules::Intervention& rules() const { return *iv; }
  const StepInfo* Step(int number) const;
  bool IsPlacement() const { return placement != v1::PLACEMENT_TYPE_UNSPECIFIED; }
  bool IsInstitution() const;
  // The intensive flag and planned end after the changes effective on or before `date`.
  bool IntensiveOn(CivilDate date) const;
  std::optional<CivilDate> PlannedEndOn(CivilDate date) const;
};

StepInfo ToStepInfo(const v1::StaircaseStep& step);
v1::StaircaseStep ToProtoStep(const StepInfo& step);
rules::Staircase ToRulesStaircase(const v1::Staircase& staircase);

// The interventions of a case: the rules' view of each (contiguous, for the rules'
// functions) and the facts beside it. The record must outlive the result; moving the
// result keeps its pointers valid.
struct CaseFacts {
  std::vector<rules::Intervention> rules;
  std::vector<InterventionFacts> facts;
};
CaseFacts FactsOf(const store::CaseRecord& record);

// Whether the case is open on `date` (its opened/closed/reopened dates).
bool IsOpenOn(const store::CaseRecord& record, CivilDate date);

// A case's trajectory up to as_of, each move with the intervention that caused it.
std::vector<v1::StepChange> CaseTrajectory(const CaseFacts& facts, CivilDate as_of);

// An intervention as the API shows it on as_of.
v1::Intervention ToApiIntervention(const InterventionFacts& facts, CivilDate as_of);

// A case's step timeline in a compact encoding, written by the projection next to the
// case record so that the distribution on a date reads a few integers per case instead of
// decoding the record: the child, the team, the open/closed dates, and per intervention
// its active days and the pieces of constant step and cost (from libs/rules' TermsOn).
std::string EncodeTimeline(const store::CaseRecord& record);

// Accumulates the distribution of children over the steps on one date.
class DistributionBuilder {
 public:
  DistributionBuilder(CivilDate as_of, std::string team_id);
  // Adds one case from its EncodeTimeline output; false when it cannot be decoded.
  [[nodiscard]] bool AddTimeline(std::string_view timeline);
  // One entry per step of `staircase` from step 0 upwards, plus any step a child stands on
  // that the staircase no longer has.
  std::vector<v1::StepCount> Finish(const v1::Staircase& staircase) const;

 private:
  struct Child {
    int step = 0;
  };
  CivilDate as_of_;
  std::string team_id_;
  std::unordered_map<std::string, Child> children_;
  std::map<int, int64_t> cost_by_step_;
  std::map<int, v1::StaircaseStep> seen_steps_;
};

// Accumulates the key figures (nøgletal) of a period.
class KeyFiguresBuilder {
 public:
  KeyFiguresBuilder(CivilDate first_day, CivilDate last_day, std::string team_id);
  [[nodiscard]] Status Add(const store::CaseRecord& record);
  v1::KeyFigures Finish();

 private:
  struct ChildFlags {
    bool active_outside_institution = false;  // on the last day
    bool in_institution = false;              // on the last day
    bool previously_in_institution = false;   // an institution placement ended by then
  };

  CivilDate first_;
  CivilDate last_;
  std::string team_id_;
  std::unordered_map<std::string, ChildFlags> children_;
  std::vector<int64_t> institution_durations_;
  v1::KeyFigures figures_;
  rules::PreventionSpending spending_;
  // Pricing staircases by (top step, prevention bits), built once.
  std::map<std::pair<int, uint64_t>, rules::Staircase> staircases_;
};

}  // namespace trappe::placements
