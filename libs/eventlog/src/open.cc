#include "trappe/eventlog/open.h"

#include <cctype>
#include <charconv>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace trappe::eventlog {
namespace {

constexpr std::string_view kEmbeddedScheme = "embedded:";
constexpr std::string_view kKafkaScheme = "kafka://";

Result<std::string> PercentDecode(std::string_view in, std::string_view what) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    unsigned value = 0;
    if (i + 2 >= in.size()) {
      return InvalidArgument(std::string(what), "has a truncated %-escape");
    }
    auto [end, ec] = std::from_chars(in.data() + i + 1, in.data() + i + 3, value, 16);
    if (ec != std::errc() || end != in.data() + i + 3) {
      return InvalidArgument(std::string(what), "has a bad %-escape");
    }
    out.push_back(static_cast<char>(value));
    i += 2;
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

Result<std::chrono::milliseconds> ParseMillis(const std::string& name, const std::string& value) {
  int64_t ms = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
  if (ec != std::errc() || end != value.data() + value.size() || ms <= 0) {
    return InvalidArgument(name, "must be a positive number of milliseconds, not '" + value + "'");
  }
  return std::chrono::milliseconds(ms);
}

// Applies one Kafka parameter (from the URL or a properties file) to `options`.
Status ApplyKafkaParameter(const std::string& name, const std::string& value,
                           KafkaLogOptions* options) {
  if (name.empty()) return InvalidArgument("kafka URL", "has a parameter without a name");
  if (name == "message.timeout.ms" || name == "delivery.timeout.ms") {
    TRAPPE_ASSIGN_OR_RETURN(options->delivery_timeout, ParseMillis(name, value));
  } else if (name == "operation.timeout.ms") {
    TRAPPE_ASSIGN_OR_RETURN(options->operation_timeout, ParseMillis(name, value));
  } else if (name == "topic.case-events") {
    options->topic_names[std::string(kCaseEventsTopic)] = value;
  } else if (name == "topic.org-events") {
    options->topic_names[std::string(kOrgEventsTopic)] = value;
  } else if (name == "topic.prefix") {
    options->topic_prefix = value;
  } else if (name == "client.id") {
    options->client_id = value;
  } else if (name == "group.id") {
    options->consumer_group_id = value;
  } else if (name.starts_with("producer.")) {
    options->producer_properties[name.substr(9)] = value;
  } else if (name.starts_with("consumer.")) {
    options->consumer_properties[name.substr(9)] = value;
  } else {
    options->properties[name] = value;
  }
  return Status::Ok();
}

Status ReadPropertiesFile(const std::string& path, KafkaLogOptions* options) {
  std::ifstream in(path);
  if (!in) return NotFound("kafka properties.file " + path + " cannot be read");
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const std::string_view text = Trim(line);
    if (text.empty() || text.front() == '#' || text.front() == '!') continue;
    const size_t eq = text.find('=');
    if (eq == std::string_view::npos) {
      return InvalidArgument("properties.file " + path + " line " + std::to_string(number),
                             "must be key=value");
    }
    TRAPPE_RETURN_IF_ERROR(ApplyKafkaParameter(std::string(Trim(text.substr(0, eq))),
                                               std::string(Trim(text.substr(eq + 1))), options));
  }
  return Status::Ok();
}

// Splits "a=1&b=2" into decoded pairs.
Result<std::vector<std::pair<std::string, std::string>>> ParseQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      return InvalidArgument("URL parameter '" + std::string(part) + "'", "must be name=value");
    }
    TRAPPE_ASSIGN_OR_RETURN(std::string name, PercentDecode(part.substr(0, eq), "URL parameter name"));
    TRAPPE_ASSIGN_OR_RETURN(std::string value, PercentDecode(part.substr(eq + 1), "URL parameter " + name));
    out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

Result<EventLogConfig> ParseEmbedded(std::string_view rest) {
  EventLogConfig config;
  config.backend = EventLogConfig::Backend::kEmbedded;
  const size_t question = rest.find('?');
  std::string_view path = rest.substr(0, question);
  if (path.starts_with("//")) path.remove_prefix(2);  // embedded:///abs, embedded://rel
  TRAPPE_ASSIGN_OR_RETURN(config.embedded.directory, PercentDecode(path, "embedded path"));
  if (config.embedded.directory.empty()) {
    return InvalidArgument("embedded URL", "needs a directory, e.g. embedded:///var/lib/trappe/log");
  }
  if (question != std::string_view::npos) {
    TRAPPE_ASSIGN_OR_RETURN(auto params, ParseQuery(rest.substr(question + 1)));
    for (const auto& [name, value] : params) {
      if (name == "partitions") {
        int32_t partitions = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), partitions);
        if (ec != std::errc() || end != value.data() + value.size() || partitions < 1) {
          return InvalidArgument("partitions", "must be a positive number, not '" + value + "'");
        }
        config.embedded.topics = DefaultTopics(partitions);
      } else if (name == "wal.zero-ahead-bytes") {
        uint64_t bytes = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), bytes);
        if (ec != std::errc() || end != value.data() + value.size()) {
          return InvalidArgument("wal.zero-ahead-bytes",
                                 "must be a number of bytes (0: off), not '" + value + "'");
        }
        config.embedded.wal_zero_ahead_bytes = bytes;  // the log checks the minimum on open
      } else {
        return InvalidArgument("embedded URL parameter " + name,
                               "is unknown (known: partitions, wal.zero-ahead-bytes)");
      }
    }
  }
  return config;
}

Result<EventLogConfig> ParseKafka(std::string_view rest) {
  EventLogConfig config;
  config.backend = EventLogConfig::Backend::kKafka;
  const size_t question = rest.find('?');
  std::string_view hosts = rest.substr(0, question);
  if (hosts.ends_with('/')) hosts.remove_suffix(1);
  if (hosts.empty()) return InvalidArgument("kafka URL", "needs bootstrap servers, e.g. kafka://host:9092");
  config.kafka.bootstrap_servers = std::string(hosts);
  if (question == std::string_view::npos) return config;

  TRAPPE_ASSIGN_OR_RETURN(auto params, ParseQuery(rest.substr(question + 1)));
  // The properties file first, so the URL's own parameters override it.
  for (const auto& [name, value] : params) {
    if (name == "properties.file") TRAPPE_RETURN_IF_ERROR(ReadPropertiesFile(value, &config.kafka));
  }
  for (const auto& [name, value] : params) {
    if (name != "properties.file") TRAPPE_RETURN_IF_ERROR(ApplyKafkaParameter(name, value, &config.kafka));
  }
  return config;
}

bool LooksSecret(std::string_view name) {
  for (std::string_view marker : {"password", "secret", "token", ".pem", "jaas"}) {
    if (name.find(marker) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace

Result<EventLogConfig> ParseEventLogUrl(std::string_view url) {
  if (url.starts_with(kEmbeddedScheme)) return ParseEmbedded(url.substr(kEmbeddedScheme.size()));
  if (url.starts_with(kKafkaScheme)) return ParseKafka(url.substr(kKafkaScheme.size()));
  return InvalidArgument("event log URL '" + RedactEventLogUrl(url) + "'",
                         "must start with embedded: or kafka://");
}

Result<std::unique_ptr<EventLog>> OpenEventLog(const EventLogConfig& config) {
  switch (config.backend) {
    case EventLogConfig::Backend::kEmbedded:
      return OpenEmbeddedLog(config.embedded);
    case EventLogConfig::Backend::kKafka:
      return OpenKafkaLog(config.kafka);
  }
  return InvalidArgument("backend", "is unknown");
}

Result<std::unique_ptr<EventLog>> OpenEventLog(std::string_view url) {
  TRAPPE_ASSIGN_OR_RETURN(EventLogConfig config, ParseEventLogUrl(url));
  return OpenEventLog(config);
}

std::string RedactEventLogUrl(std::string_view url) {
  const size_t question = url.find('?');
  if (question == std::string_view::npos) return std::string(url);
  std::string out(url.substr(0, question + 1));
  std::string_view query = url.substr(question + 1);
  bool first = true;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (!first) out.push_back('&');
    first = false;
    const size_t eq = part.find('=');
    if (eq != std::string_view::npos && LooksSecret(part.substr(0, eq))) {
      out.append(part.substr(0, eq + 1));
      out.append("***");
    } else {
      out.append(part);
    }
  }
  return out;
}

}  // namespace trappe::eventlog
