// How docker prints sizes, ages and tables (go-units and text/tabwriter),
// so that `berth images` lines up exactly as `docker images` does.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace berth::cli {

// go-units HumanSizeWithPrecision(size, 3): decimal units, 3 significant
// digits ("4.26MB", "123kB", "0B").
std::string HumanSize3(double bytes);
// go-units HumanDuration: "Less than a second", "About a minute",
// "3 hours", "2 weeks", ...
std::string HumanDuration(int64_t seconds);
// "2 weeks ago" for a unix time, relative to `now`.
std::string TimeAgo(int64_t unix_seconds, int64_t now);

// tabwriter with minwidth 0, padding 3, padchar ' ': every column but the
// last is as wide as its widest cell plus 3 spaces.
std::string FormatTable(const std::vector<std::vector<std::string>>& rows);

}  // namespace berth::cli
