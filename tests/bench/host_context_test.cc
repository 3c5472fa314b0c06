#include "host_context.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sched.h>

#include <algorithm>
#include <vector>

namespace trappe::bench {
namespace {

using ::testing::HasSubstr;

cpu_set_t Affinity() {
  cpu_set_t set;
  CPU_ZERO(&set);
  EXPECT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
  return set;
}

TEST(HostContextTest, TimesEveryAllowedCpuAndLeavesTheThreadWhereItMayRun) {
  const cpu_set_t before = Affinity();
  const std::vector<CpuSpeed> speeds = MeasureCpuSpeeds();
  ASSERT_EQ(speeds.size(), static_cast<size_t>(CPU_COUNT(&before)));
  double fastest = 0;
  for (const CpuSpeed& s : speeds) {
    EXPECT_TRUE(CPU_ISSET(s.cpu, &before)) << "cpu" << s.cpu;
    EXPECT_GT(s.ns_per_step, 0) << "cpu" << s.cpu;
    EXPECT_GT(s.relative, 0) << "cpu" << s.cpu;
    EXPECT_LE(s.relative, 1.0) << "cpu" << s.cpu;
    fastest = std::max(fastest, s.relative);
  }
  EXPECT_DOUBLE_EQ(fastest, 1.0);
  // The measurement pins the thread to each CPU in turn; afterwards it may run anywhere it
  // could before (a benchmark left on the last CPU would measure a one-CPU machine).
  const cpu_set_t after = Affinity();
  EXPECT_TRUE(CPU_EQUAL(&before, &after));
}

TEST(HostContextTest, OnlyTheAllowedCpusAreTimed) {
  const cpu_set_t before = Affinity();
  int first = 0;
  while (!CPU_ISSET(first, &before)) ++first;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(first, &one);
  ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);
  const std::vector<CpuSpeed> speeds = MeasureCpuSpeeds();
  const cpu_set_t after = Affinity();
  ASSERT_EQ(sched_setaffinity(0, sizeof before, &before), 0);
  ASSERT_EQ(speeds.size(), 1U);
  EXPECT_EQ(speeds[0].cpu, first);
  EXPECT_DOUBLE_EQ(speeds[0].relative, 1.0);
  EXPECT_TRUE(CPU_EQUAL(&one, &after));
}

TEST(HostContextTest, DescribesEachCpuWithItsTimeAndItsSpeedRelativeToTheFastest) {
  EXPECT_EQ(DescribeCpuSpeeds({}), "");
  EXPECT_EQ(DescribeCpuSpeeds({{.cpu = 0, .ns_per_step = 12.6, .relative = 8.4 / 12.6},
                               {.cpu = 1, .ns_per_step = 8.4, .relative = 1.0}}),
            "cpu0 12.6 ns/step (0.67), cpu1 8.4 ns/step (1.00)");
  EXPECT_THAT(DescribeCpuSpeeds({{.cpu = 3, .ns_per_step = 5.04, .relative = 1.0}}),
              HasSubstr("cpu3 5.0 ns/step (1.00)"));
}

}  // namespace
}  // namespace trappe::bench
