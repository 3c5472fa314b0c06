// Structured logging: an event name and key=value fields, as text or JSON lines.
//
//   log::Info("projection.caught_up", {{"projection", name}, {"lag", 0}});
//
// Text:  2026-11-22T10:00:00.123Z info projection.caught_up projection=cases lag=0
// JSON:  {"ts":"2026-11-22T10:00:00.123Z","level":"info","event":"projection.caught_up",...}
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace trappe::log {

enum class Level { kDebug, kInfo, kWarn, kError, kOff };
enum class Format { kText, kJson };

struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v), quoted(true) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v), quoted(true) {}
  Field(std::string_view k, const char* v) : key(k), value(v), quoted(true) {}
  Field(std::string_view k, int64_t v) : key(k), value(std::to_string(v)) {}
  Field(std::string_view k, int v) : key(k), value(std::to_string(v)) {}
  Field(std::string_view k, uint64_t v) : key(k), value(std::to_string(v)) {}
  Field(std::string_view k, double v);
  Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false") {}

  std::string_view key;
  std::string value;
  bool quoted = false;  // a string value (JSON-quoted; text-quoted when it has spaces)
};

// Configures the process-wide logger (stderr). Safe to call again.
void Init(Level level = Level::kInfo, Format format = Format::kText);
// Parses "debug", "info", "warn", "error", "off"; false if unknown.
bool ParseLevel(std::string_view text, Level* level);

void Write(Level level, std::string_view event, std::initializer_list<Field> fields);

inline void Debug(std::string_view event, std::initializer_list<Field> fields = {}) {
  Write(Level::kDebug, event, fields);
}
inline void Info(std::string_view event, std::initializer_list<Field> fields = {}) {
  Write(Level::kInfo, event, fields);
}
inline void Warn(std::string_view event, std::initializer_list<Field> fields = {}) {
  Write(Level::kWarn, event, fields);
}
inline void Error(std::string_view event, std::initializer_list<Field> fields = {}) {
  Write(Level::kError, event, fields);
}

// Formats one line without writing it (used by Write; exposed for tests).
std::string FormatLine(Format format, Level level, std::string_view event,
                       std::initializer_list<Field> fields);

}  // namespace trappe::log
