// docker's `filters` query parameter: a JSON map from a filter name to its
// values, in either of the forms clients send: {"status":["running"]} or
// the older {"status":{"running":true}}.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace berth::api {

using Filters = std::map<std::string, std::vector<std::string>>;

// "" is no filter. EINVAL for text that is not such a map.
Result<Filters> ParseFilters(std::string_view text);

// EINVAL "invalid filter 'X'" for a name not in `known`.
Status CheckFilterNames(const Filters& f, const std::vector<std::string>& known);

}  // namespace berth::api
