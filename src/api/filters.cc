#include "api/filters.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace berth::api {

Result<Filters> ParseFilters(std::string_view text) {
  Filters out;
  if (text.empty()) return out;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return FailAs(EINVAL, "invalid filter: not a JSON object: {}", text);
  for (const auto& [name, values] : j.items()) {
    auto& list = out[name];
    if (values.is_array()) {
      for (const auto& v : values) {
        if (!v.is_string())
          return FailAs(EINVAL, "invalid filter '{}': values must be strings", name);
        list.push_back(v.get<std::string>());
      }
    } else if (values.is_object()) {
      for (const auto& [v, on] : values.items())
        if (on.is_boolean() && on.get<bool>()) list.push_back(v);
    } else {
      return FailAs(EINVAL, "invalid filter '{}'", name);
    }
  }
  return out;
}

Status CheckFilterNames(const Filters& f, const std::vector<std::string>& known) {
  for (const auto& [name, values] : f)
    if (std::find(known.begin(), known.end(), name) == known.end())
      return FailAs(EINVAL, "invalid filter '{}'", name);
  return Ok();
}

}  // namespace berth::api
