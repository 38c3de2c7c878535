// Reading fields of the daemon's JSON without trusting their types: a
// missing or mistyped field reads as empty or zero (nlohmann's value()
// throws on a type mismatch; berth throws nothing).
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace berth::cli {

inline std::string StrField(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

inline int64_t IntField(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return 0;
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<int64_t>() : 0;
}

}  // namespace berth::cli
