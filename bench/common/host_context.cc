#include "host_context.h"

#include <benchmark/benchmark.h>
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <random>

namespace trappe::bench {
namespace {

constexpr size_t kSlots = (1 << 20) / sizeof(uint32_t);  // 1 MiB of next-slot indexes
constexpr int kSteps = 1 << 21;
constexpr int kRounds = 3;

// One cycle through every slot in a random order, so each load depends on the last and
// the prefetcher cannot guess the next.
std::vector<uint32_t> RandomCycle() {
  std::vector<uint32_t> order(kSlots);
  std::iota(order.begin(), order.end(), 0U);
  std::mt19937 rng(20261124);
  std::shuffle(order.begin() + 1, order.end(), rng);
  std::vector<uint32_t> next(kSlots);
  for (size_t i = 0; i < kSlots; ++i) next[order[i]] = order[(i + 1) % kSlots];
  return next;
}

double NanosPerStep(const std::vector<uint32_t>& next) {
  const auto start = std::chrono::steady_clock::now();
  uint32_t at = 0;
  for (int i = 0; i < kSteps; ++i) at = next[at];
  const auto elapsed = std::chrono::steady_clock::now() - start;
  benchmark::DoNotOptimize(at);
  return std::chrono::duration<double, std::nano>(elapsed).count() / kSteps;
}

}  // namespace

std::vector<CpuSpeed> MeasureCpuSpeeds() {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return {};
  std::vector<CpuSpeed> speeds;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &allowed)) speeds.push_back({.cpu = cpu});
  }
  if (speeds.empty()) return {};
  const std::vector<uint32_t> next = RandomCycle();
  bool moved = true;
  for (int round = 0; round < kRounds && moved; ++round) {
    for (CpuSpeed& s : speeds) {
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(s.cpu, &one);
      if (sched_setaffinity(0, sizeof one, &one) != 0) {
        moved = false;
        break;
      }
      const double ns = NanosPerStep(next);
      s.ns_per_step = s.ns_per_step == 0 ? ns : std::min(s.ns_per_step, ns);
    }
  }
  sched_setaffinity(0, sizeof allowed, &allowed);
  if (!moved) return {};
  double fastest = speeds.front().ns_per_step;
  for (const CpuSpeed& s : speeds) fastest = std::min(fastest, s.ns_per_step);
  for (CpuSpeed& s : speeds) s.relative = fastest / s.ns_per_step;
  return speeds;
}

std::string DescribeCpuSpeeds(const std::vector<CpuSpeed>& speeds) {
  std::string out;
  for (const CpuSpeed& s : speeds) {
    char part[64];
    std::snprintf(part, sizeof part, "%scpu%d %.1f ns/step (%.2f)", out.empty() ? "" : ", ", s.cpu,
                  s.ns_per_step, s.relative);
    out += part;
  }
  return out;
}

bool RunBenchmarks(int* argc, char** argv) {
  benchmark::Initialize(argc, argv);
  if (benchmark::ReportUnrecognizedArguments(*argc, argv)) return false;
  const std::string speeds = DescribeCpuSpeeds(MeasureCpuSpeeds());
  if (!speeds.empty()) benchmark::AddCustomContext("cpu_speeds", speeds);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return true;
}

}  // namespace trappe::bench
