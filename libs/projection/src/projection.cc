#include "trappe/projection/projection.h"

#include "trappe/common/log.h"
#include "trappe/events/headers.h"

namespace trappe::projection {

std::string_view BadRecordKindName(BadRecordKind kind) {
  switch (kind) {
    case BadRecordKind::kUndecodable: return "undecodable";
    case BadRecordKind::kUnknownEvent: return "unknown_event";
  }
  return "bad_record";
}

BadRecordAction DecideByEventType(std::string_view projection_name, BadRecordKind kind,
                                  const eventlog::StoredRecord& record,
                                  const std::function<bool(std::string_view type)>& needed) {
  std::string_view type;
  for (const eventlog::Header& header : record.headers) {
    if (header.key == events::kEventTypeHeader) type = header.value;
  }
  BadRecordAction action = BadRecordAction::kSkip;
  if (!type.empty()) {
    if (needed(type)) action = BadRecordAction::kStop;
  } else if (kind == BadRecordKind::kUnknownEvent) {
    action = BadRecordAction::kStop;
  }
  const bool stop = action == BadRecordAction::kStop;
  log::Write(stop ? log::Level::kError : log::Level::kWarn, "projection.bad_record",              {{"projection", projection_name},
              {"kind", BadRecordKindName(kind)},
              {"event_type", type},
              {"topic", record.position.topic},
              {"partition", record.position.partition},
              {"offset", record.position.offset},
              {"action", stop ? "stop" : "skip"}});
  return action;
}

}  // namespace trappe::projection
