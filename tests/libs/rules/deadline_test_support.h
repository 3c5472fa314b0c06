// Helpers for the deadline tests: dates from ISO text, fact builders, and a compact way to
// compare one series of deadlines against a hand-computed table.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "trappe/rules/deadlines.h"
#include "trappe/testing/dates.h"
#include "trappe/testing/status_matchers.h"

namespace trappe::rules::testing {

using trappe::testing::D;
inline Timestamp T(std::string_view rfc3339) { return ParseTimestamp(rfc3339).value(); }

// The named presets, in force since long before any test date.
inline RuleSet PresetRules(std::initializer_list<std::string_view> names) {
  RuleSet rules;
  for (const std::string_view name : names) {
    const auto preset = FollowUpPreset(name).value();
    EXPECT_OK(rules.Enable(preset, D("2000-01-01")));
  }
  return rules;
}

inline Intervention Started(std::string id, InterventionKind kind, std::string_view started_on,
                            ConsentBasis consent = ConsentBasis::kWithConsent) {
  Intervention iv;
  iv.id = std::move(id);
  iv.kind = kind;
  iv.consent = IsPlacement(kind) ? consent : ConsentBasis::kNotApplicable;
  iv.step = IsPlacement(kind) ? 5 : 3;
  iv.started_on = D(started_on);
  return iv;
}

// Ids are derived from the content, so a test never depends on numbering.
inline FollowUp Done(FollowUpKind kind, std::string_view date, std::string intervention = "",
                     std::string caseworker = "cw-1") {
  FollowUp f;
  f.id = std::string(ToString(kind)) + "@" + std::string(date) + "#" + intervention;
  f.kind = kind;
  f.date = D(date);
  f.caseworker_id = std::move(caseworker);
  f.intervention_id = std::move(intervention);
  return f;
}

inline PlanApproval PlanApproved(std::string_view date, std::string intervention = "") {
  return {"plan@" + std::string(date) + "#" + intervention, D(date), std::move(intervention)};
}

// The deadlines of one series, by sequence.
inline std::vector<Deadline> SeriesOf(const std::vector<Deadline>& all, std::string_view rule_id,
                                      Track track, std::string_view subject) {
  std::vector<Deadline> series;
  for (const Deadline& d : all) {
    if (d.rule_id == rule_id && d.track == track && d.subject_id == subject) series.push_back(d);
  }
  std::sort(series.begin(), series.end(),
            [](const Deadline& a, const Deadline& b) { return a.sequence < b.sequence; });
  return series;
}

// One expected deadline: opened, due, state and (when met) the date it was met.
struct Row {
  const char* opened;
  const char* due;
  DeadlineState state;
  const char* met_on = nullptr;
};

inline void ExpectSeries(const std::vector<Deadline>& all, std::string_view rule_id, Track track,
                         std::string_view subject, const std::vector<Row>& rows) {
  const std::vector<Deadline> series = SeriesOf(all, rule_id, track, subject);
  SCOPED_TRACE(std::string(rule_id) + " " + std::string(ToString(track)) + " " +
               std::string(subject));
  ASSERT_EQ(series.size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    SCOPED_TRACE("deadline " + std::to_string(i + 1));
    EXPECT_EQ(series[i].sequence, static_cast<int>(i) + 1);
    EXPECT_EQ(series[i].opened_on.ToString(), rows[i].opened);
    EXPECT_EQ(series[i].due.ToString(), rows[i].due);
    EXPECT_EQ(ToString(series[i].state), ToString(rows[i].state));
    if (rows[i].met_on == nullptr) {
      EXPECT_FALSE(series[i].met_on.has_value());
    } else {
      ASSERT_TRUE(series[i].met_on.has_value());
      EXPECT_EQ(series[i].met_on->ToString(), rows[i].met_on);
    }
  }
}

inline std::vector<Deadline> Derive(const RuleSet& rules, const CaseTimeline& timeline,
                                    std::string_view as_of) {
  auto result = DeriveDeadlines(rules, timeline, D(as_of));
  EXPECT_OK(result);
  return result.ok() ? std::move(result).value() : std::vector<Deadline>{};
}

}  // namespace trappe::rules::testing
