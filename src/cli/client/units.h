// How docker prints sizes, ages and tables (go-units and text/tabwriter),
// so that `berth images` lines up exactly as `docker images` does.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/clock.h"

namespace berth::cli {

// go-units HumanSizeWithPrecision: decimal units, `precision` significant
// digits ("4.26MB" at 3, "3.146MB" at 4).
std::string HumanSizeWithPrecision(double bytes, int precision);
// What `docker images` prints: 3 significant digits ("4.26MB", "123kB").
inline std::string HumanSize3(double bytes) { return HumanSizeWithPrecision(bytes, 3); }
// HumanDuration (go-units' wording) is base/clock.h's.
using berth::HumanDuration;
// "2 weeks ago" for a unix time, relative to `now`.
std::string TimeAgo(int64_t unix_seconds, int64_t now);

// tabwriter with minwidth `min_width` (0 for images, 10 for docker's
// formatter tables such as ps, 20 for top), padding 3, padchar ' ': every
// column but the last is as wide as its widest cell plus 3 spaces, and at
// least min_width.
std::string FormatTable(const std::vector<std::vector<std::string>>& rows, size_t min_width = 0);

}  // namespace berth::cli
