// What the benchmarks print about the machine before their results, beyond Google
// Benchmark's own context (CPU count, frequency, caches, load average).
//
// On a shared virtual machine the CPUs a process may run on are not always equally fast:
// the host may place one of them on a core that is busy with something else. A benchmark
// whose threads land on the slow one runs slower for reasons the code has no part in, so
// every run records, next to its results, how fast each CPU was at the time.
#pragma once

#include <string>
#include <vector>

namespace trappe::bench {

struct CpuSpeed {
  int cpu = 0;
  double ns_per_step = 0;  // the fixed loop's best time per step on this CPU
  double relative = 0;     // the fastest CPU's time per step / this CPU's (1 = fastest)
};

// Times a fixed loop (a walk through 1 MiB of memory in a random order: each step waits for
// the one before, as a query's pointer chasing does) on each CPU this process may run on,
// the thread kept on that CPU, three rounds in turn; the best round of each. The thread's
// CPU affinity is restored afterwards. Empty when the affinity cannot be read or set.
std::vector<CpuSpeed> MeasureCpuSpeeds();

// "cpu0 4.9 ns/step (1.00), cpu1 8.1 ns/step (0.60)"; "" for no speeds.
std::string DescribeCpuSpeeds(const std::vector<CpuSpeed>& speeds);

// What BENCHMARK_MAIN() does, with "cpu_speeds" (DescribeCpuSpeeds of MeasureCpuSpeeds)
// added to the benchmark context: Google Benchmark's flags, then the benchmarks. False
// (nothing run) when an argument is not a flag it knows.
bool RunBenchmarks(int* argc, char** argv);

}  // namespace trappe::bench

// BENCHMARK_MAIN() with the host context added.
#define TRAPPE_BENCHMARK_MAIN()                                                                   \
  int main(int argc, char** argv) { return ::trappe::bench::RunBenchmarks(&argc, argv) ? 0 : 1; } \
  int main(int, char**)
