#include "trappe/projection/projection.h"

namespace trappe::projection {

std::string_view BadRecordKindName(BadRecordKind kind) {
  switch (kind) {
    case BadRecordKind::kUndecodable: return "undecodable";
    case BadRecordKind::kUnknownEvent: return "unknown_event";
  }
  return "bad_record";
}

}  // namespace trappe::projection
