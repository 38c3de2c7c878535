#include "cli/client/units.h"

#include <algorithm>

#include <fmt/format.h>

namespace berth::cli {

std::string HumanSizeWithPrecision(double bytes, int precision) {
  static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  int i = 0;
  while (bytes >= 1000 && i < 6) {
    bytes /= 1000;
    i++;
  }
  return fmt::format("{:.{}g}{}", bytes, precision, kUnits[i]);
}

std::string TimeAgo(int64_t unix_seconds, int64_t now) {
  if (unix_seconds <= 0) return "N/A";
  return HumanDuration(now - unix_seconds) + " ago";
}

namespace {

// Width as Go's tabwriter counts it: runes, not bytes ("…" is one).
size_t RuneCount(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) n++;
  return n;
}

}  // namespace

std::string FormatTable(const std::vector<std::vector<std::string>>& rows, size_t min_width) {
  std::vector<size_t> width;
  for (const auto& r : rows)
    for (size_t c = 0; c + 1 < r.size(); c++) {
      if (width.size() <= c) width.resize(c + 1, 0);
      width[c] = std::max({width[c], RuneCount(r[c]), min_width > 3 ? min_width - 3 : 0});
    }
  std::string out;
  for (const auto& r : rows) {
    for (size_t c = 0; c < r.size(); c++) {
      out += r[c];
      if (c + 1 < r.size()) out += std::string(width[c] - RuneCount(r[c]) + 3, ' ');
    }
    out += "\n";
  }
  return out;
}

}  // namespace berth::cli
