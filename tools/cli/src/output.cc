#include "output.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace trappe::cli {

namespace {

// Display width of UTF-8 text: counts code points, not bytes (æ, ø, å are two bytes).
size_t Width(const std::string& text) {
  size_t width = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++width;
  }
  return width;
}

void PrintPadded(std::ostream& out, const std::string& text, size_t width) {
  out << text;
  for (size_t i = Width(text); i < width; ++i) out << ' ';
}

}  // namespace

void Table::Print(std::ostream& out) const {
  std::vector<size_t> widths(headers_.size(), 0);
  for (size_t i = 0; i < headers_.size(); ++i) widths[i] = Width(headers_[i]);
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], Width(row[i]));
    }
  }
  const auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < widths.size(); ++i) {
      const std::string cell = i < row.size() ? row[i] : "";
      if (i + 1 == widths.size()) {
        out << cell;
      } else {
        PrintPadded(out, cell, widths[i]);
        out << "  ";
      }
    }
    out << '\n';
  };
  print_row(headers_);
  for (const auto& row : rows_) print_row(row);
}

void Fields::Print(std::ostream& out) const {
  size_t width = 0;
  for (const auto& [key, value] : rows_) width = std::max(width, Width(key));
  for (const auto& [key, value] : rows_) {
    PrintPadded(out, key + ":", width + 1);
    out << ' ' << value << '\n';
  }
}

void PrintJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    std::cerr << "trappe: INTERNAL: cannot print the response as JSON: " << status.message()
              << '\n';
    std::exit(kExitServerError);
  }
  std::cout << json;
  if (json.empty() || json.back() != '\n') std::cout << '\n';
}

void PrintWritten(const google::protobuf::RepeatedPtrField<common::v1::LogPosition>& positions,
                  uint64_t version) {
  std::cout << "written:";
  for (const auto& position : positions) std::cout << ' ' << FormatPosition(position);
  std::cout << " (version " << version << ")\n";
}

namespace {
std::string FormatFixed(int64_t value, int64_t scale, int max_decimals, bool trim) {
  const bool negative = value < 0;
  const uint64_t magnitude = negative ? -static_cast<uint64_t>(value) : value;
  const uint64_t whole = magnitude / scale;
  uint64_t fraction = magnitude % scale;
  std::string digits = std::to_string(fraction);
  std::string padded(std::to_string(scale).size() - 1 - digits.size(), '0');
  padded += digits;
  padded = padded.substr(0, max_decimals);
  if (trim) {
    while (!padded.empty() && padded.back() == '0') padded.pop_back();
  }
  std::string out = negative ? "-" : "";
  out += std::to_string(whole);
  if (!padded.empty()) out += "." + padded;
  return out;
}
}  // namespace

std::string FormatPoints(int64_t millipoints) { return FormatFixed(millipoints, 1000, 3, true); }
std::string FormatKroner(int64_t oere) { return FormatFixed(oere, 100, 2, false); }
std::string FormatBasisPoints(int64_t bp) { return FormatFixed(bp, 100, 1, false) + "%"; }
std::string FormatFte(int64_t fte_milli) { return FormatFixed(fte_milli, 1000, 3, true); }

}  // namespace trappe::cli
