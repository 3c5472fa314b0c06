// Helpers shared by the projection engine's tests.
#pragma once

#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "trappe/projection/engine.h"
#include "trappe/projection/keys.h"
#include "trappe/projection/testing/memory_log.h"
#include "trappe/projection/testing/sample_projections.h"

namespace trappe::projection::testing {

inline const std::string kCases(eventlog::kCaseEventsTopic);
inline const std::string kOrg(eventlog::kOrgEventsTopic);

// Every counter of `family` in the engine's current store.
inline std::map<std::string, int64_t> ReadCounters(const Engine& engine, FamilyId family) {
  std::map<std::string, int64_t> out;
  const auto view = engine.Snapshot();
  const Status scanned = view->Scan(family, "", [&](std::string_view key, std::string_view value) {
    out[std::string(key)] = DecodeInt64(value).value_or(-1);
    return true;
  });
  if (!scanned.ok()) out["<scan failed>"] = -1;
  return out;
}

// Appends `events` random case events (tenants 0101/0657, `cases` cases per tenant, each
// case's versions in order) to `topic` of `log`, in chunks of random size.
inline void AppendRandomHistory(eventlog::EventLog& log, const std::string& topic, int events,
                                int cases, uint64_t seed) {
  std::mt19937_64 random(seed);
  std::map<std::string, uint64_t> versions;
  int written = 0;
  while (written < events) {
    const int chunk = std::min(events - written, 1 + static_cast<int>(random() % 64));
    std::vector<eventlog::Record> records;
    for (int i = 0; i < chunk; ++i) {
      const std::string tenant = random() % 2 == 0 ? "0101" : "0657";
      const std::string case_id = "case-" + std::to_string(random() % static_cast<uint64_t>(cases));
      const uint64_t version = ++versions[tenant + "/" + case_id];
      records.push_back(CaseRecord(tenant, case_id, version, static_cast<int>(random() % 5)));
    }
    auto appended = log.Append(topic, std::move(records));
    if (!appended.ok()) return;
    written += chunk;
  }
}

inline EngineOptions OptionsFor(const std::string& directory, size_t batch = 64) {
  EngineOptions options;
  options.directory = directory;
  options.max_batch_records = batch;
  options.poll_timeout = std::chrono::milliseconds(20);
  options.rebuild_progress_interval = std::chrono::milliseconds(0);
  return options;
}

inline std::chrono::steady_clock::time_point Forever() {
  return std::chrono::steady_clock::time_point::max();
}

}  // namespace trappe::projection::testing
