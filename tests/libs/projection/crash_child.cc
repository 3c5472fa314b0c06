// The child process of the crash test: applies a counting projection over an embedded log
// until it has caught up, reporting progress on stdout, or until the test kills it.
//
//   projection_crash_child <log directory> <projection directory> <max batch records>
//
// stdout gets "a" every 25 applied events (from inside Apply, so a kill right after one
// lands mid-batch), "c" after every commit, and "done" once caught up.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "trappe/common/log.h"
#include "trappe/eventlog/embedded_log.h"
#include "trappe/projection/engine.h"
#include "trappe/projection/testing/sample_projections.h"

namespace {

using trappe::projection::testing::EventCountProjection;

void Report(const char* line) {
  const std::string text = std::string(line) + "\n";
  if (::write(STDOUT_FILENO, text.data(), text.size()) < 0) std::_Exit(3);
}

class ReportingProjection : public EventCountProjection {
 public:
  trappe::Status Apply(const trappe::projection::Event& event,
                       trappe::projection::ApplyContext& context) const override {
    TRAPPE_RETURN_IF_ERROR(EventCountProjection::Apply(event, context));
    if (applied_.fetch_add(1) % 25 == 24) Report("a");
    return trappe::Status::Ok();
  }

 private:
  mutable std::atomic<uint64_t> applied_{0};
};

int Fail(const trappe::Status& status) {
  std::fprintf(stderr, "projection_crash_child: %s\n", status.ToString().c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s <log dir> <projection dir> <max batch>\n", argv[0]);
    return 64;
  }
  trappe::log::Init(trappe::log::Level::kWarn);
  trappe::eventlog::EmbeddedLogOptions log_options;
  log_options.directory = argv[1];
  log_options.topics = {{std::string(trappe::eventlog::kCaseEventsTopic), 4}};
  log_options.sync = false;
  auto log = trappe::eventlog::OpenEmbeddedLog(log_options);
  if (!log.ok()) return Fail(log.status());

  trappe::projection::EngineOptions options;
  options.directory = argv[2];
  options.max_batch_records = static_cast<size_t>(std::atoll(argv[3]));
  options.on_commit = [](uint64_t) { Report("c"); };
  auto engine = trappe::projection::Engine::Open(log->get(),
                                                 std::make_shared<ReportingProjection>(), options);
  if (!engine.ok()) return Fail(engine.status());
  if (const trappe::Status caught_up = (*engine)->CatchUp(); !caught_up.ok()) {
    return Fail(caught_up);
  }
  Report("done");
  return 0;
}
