#include "trappe/common/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>
#include <mutex>

namespace trappe::log {
namespace {

struct State {
  std::mutex mu;
  std::shared_ptr<spdlog::logger> logger;
  Format format = Format::kText;
  Level level = Level::kInfo;
};

State& GlobalState() {
  static State state;
  return state;
}

spdlog::level::level_enum ToSpd(Level level) {
  switch (level) {
    case Level::kDebug: return spdlog::level::debug;
    case Level::kInfo: return spdlog::level::info;
    case Level::kWarn: return spdlog::level::warn;
    case Level::kError: return spdlog::level::err;
    case Level::kOff: return spdlog::level::off;
  }
  return spdlog::level::info;
}

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  for (const char c : s) {
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          *out += buf;
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

bool NeedsQuotes(std::string_view s) {
  if (s.empty()) return true;
  for (const char c : s) {
    if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20) return true;
  }
  return false;
}

std::shared_ptr<spdlog::logger> Logger() {
  State& state = GlobalState();
  std::lock_guard lock(state.mu);
  if (!state.logger) {
    state.logger = std::make_shared<spdlog::logger>(
        "trappe", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    state.logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
    state.logger->set_level(ToSpd(state.level));
  }
  return state.logger;
}

}  // namespace

Field::Field(std::string_view k, double v) : key(k) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  value = buf;
}

void Init(Level level, Format format) {
  auto logger = Logger();
  State& state = GlobalState();
  std::lock_guard lock(state.mu);
  state.level = level;
  state.format = format;
  logger->set_level(ToSpd(level));
  if (format == Format::kJson) {
    logger->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})",
                        spdlog::pattern_time_type::utc);
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  }
}

bool ParseLevel(std::string_view text, Level* level) {
  if (text == "debug") *level = Level::kDebug;
  else if (text == "info") *level = Level::kInfo;
  else if (text == "warn") *level = Level::kWarn;
  else if (text == "error") *level = Level::kError;
  else if (text == "off") *level = Level::kOff;
  else return false;
  return true;
}

std::string FormatLine(Format format, Level /*level*/, std::string_view event,
                       std::initializer_list<Field> fields) {
  std::string out;
  if (format == Format::kJson) {
    out += "\"event\":";
    AppendJsonString(&out, event);
    for (const Field& f : fields) {
      out.push_back(',');
      AppendJsonString(&out, f.key);
      out.push_back(':');
      if (f.quoted) {
        AppendJsonString(&out, f.value);
      } else {
        out += f.value;
      }
    }
    return out;
  }
  out += event;
  for (const Field& f : fields) {
    out.push_back(' ');
    out += f.key;
    out.push_back('=');
    if (f.quoted && NeedsQuotes(f.value)) {
      AppendJsonString(&out, f.value);
    } else {
      out += f.value;
    }
  }
  return out;
}

void Write(Level level, std::string_view event, std::initializer_list<Field> fields) {
  auto logger = Logger();
  if (!logger->should_log(ToSpd(level))) return;
  Format format;
  {
    State& state = GlobalState();
    std::lock_guard lock(state.mu);
    format = state.format;
  }
  logger->log(ToSpd(level), "{}", FormatLine(format, level, event, fields));
}

}  // namespace trappe::log
