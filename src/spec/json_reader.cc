#include "spec/json_reader.h"

namespace berth::spec {

using nlohmann::json;

std::string FieldPath(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string path(parent);
  path += '.';
  path += key;
  return path;
}

std::string IndexPath(std::string_view parent, size_t index) {
  return fmt::format("{}[{}]", parent, index);
}

std::string KeyPath(std::string_view parent, std::string_view key) {
  return fmt::format("{}[{}]", parent, Quote(key));
}

std::string Quote(std::string_view s) {
  // replace: a string built in code may hold invalid UTF-8; dump must not throw.
  return json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
}

const json* Member(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

Result<void> ExpectObject(const json& j, const std::string& path) {
  if (!j.is_object()) return Fail("{}: must be an object", path);
  return {};
}

Result<void> ExpectArray(const json& j, const std::string& path) {
  if (!j.is_array()) return Fail("{}: must be an array", path);
  return {};
}

Result<std::string> ReadString(const json& j, const std::string& path) {
  if (!j.is_string()) return Fail("{}: must be a string", path);
  return j.get_ref<const std::string&>();
}

Result<bool> ReadBool(const json& j, const std::string& path) {
  if (!j.is_boolean()) return Fail("{}: must be a boolean", path);
  return j.get<bool>();
}

Result<int64_t> ReadInt(const json& j, const std::string& path, int64_t min, int64_t max) {
  bool in_range = false;
  int64_t value = 0;
  if (j.is_number_unsigned()) {
    uint64_t u = j.get<uint64_t>();
    in_range = max >= 0 && u <= static_cast<uint64_t>(max);
    value = static_cast<int64_t>(u);
  } else if (j.is_number_integer()) {
    value = j.get<int64_t>();
    in_range = value >= min && value <= max;
  }
  if (!in_range) return Fail("{}: must be an integer from {} to {}", path, min, max);
  return value;
}

Result<uint64_t> ReadUint(const json& j, const std::string& path, uint64_t max) {
  bool in_range = false;
  uint64_t value = 0;
  if (j.is_number_unsigned()) {
    value = j.get<uint64_t>();
    in_range = value <= max;
  } else if (j.is_number_integer()) {
    int64_t i = j.get<int64_t>();
    in_range = i >= 0 && static_cast<uint64_t>(i) <= max;
    value = static_cast<uint64_t>(i);
  }
  if (!in_range) return Fail("{}: must be an integer from 0 to {}", path, max);
  return value;
}

Result<std::vector<std::string>> ReadStrings(const json& j, const std::string& path) {
  if (!j.is_array()) return Fail("{}: must be an array of strings", path);
  std::vector<std::string> out;
  out.reserve(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    out.push_back(TRY(ReadString(j[i], IndexPath(path, i))));
  }
  return out;
}

Result<std::map<std::string, std::string>> ReadStringMap(const json& j, const std::string& path) {
  if (!j.is_object()) return Fail("{}: must be an object of strings", path);
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : j.items()) {
    out[key] = TRY(ReadString(value, KeyPath(path, key)));
  }
  return out;
}

}  // namespace berth::spec
