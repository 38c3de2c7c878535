// Reading typed values out of a parsed JSON document, with errors that name
// the field path ("linux.namespaces[2].type: must be a string").
//
// Internal to src/spec: the OCI parsers use it so that every error a user
// sees says which field is wrong and why. Nothing here throws: every
// nlohmann accessor is called only after its type has been checked. Absent
// members and JSON null are treated alike, as Go's encoding/json (and so
// runc) does.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"

namespace berth::spec {

// "process" + "args" -> "process.args"; an empty parent yields the key.
std::string FieldPath(std::string_view parent, std::string_view key);
// "process.args" + 2 -> "process.args[2]".
std::string IndexPath(std::string_view parent, size_t index);
// "annotations" + "a.b" -> "annotations[\"a.b\"]", for keys of a free map.
std::string KeyPath(std::string_view parent, std::string_view key);

// A string as a JSON literal ("\"a\\nb\""), so that a value quoted in an
// error message keeps the message on one line.
std::string Quote(std::string_view s);

// The member `key` of object `obj`, or nullptr when absent or null.
const nlohmann::json* Member(const nlohmann::json& obj, std::string_view key);

Result<void> ExpectObject(const nlohmann::json& j, const std::string& path);
Result<void> ExpectArray(const nlohmann::json& j, const std::string& path);

Result<std::string> ReadString(const nlohmann::json& j, const std::string& path);
Result<bool> ReadBool(const nlohmann::json& j, const std::string& path);
// An integer (not a float) within [min, max].
Result<int64_t> ReadInt(const nlohmann::json& j, const std::string& path, int64_t min, int64_t max);
Result<uint64_t> ReadUint(const nlohmann::json& j, const std::string& path, uint64_t max);
Result<std::vector<std::string>> ReadStrings(const nlohmann::json& j, const std::string& path);
Result<std::map<std::string, std::string>> ReadStringMap(const nlohmann::json& j,
                                                         const std::string& path);

namespace internal {
template <typename T>
struct IsOptional : std::false_type {};
template <typename U>
struct IsOptional<std::optional<U>> : std::true_type {};
template <typename T>
struct IsVector : std::false_type {};
template <typename U>
struct IsVector<std::vector<U>> : std::true_type {};
template <typename>
inline constexpr bool kUnsupported = false;
}  // namespace internal

// Reads `j` as a T: std::string, bool, any integer type (range-checked),
// std::map<std::string, std::string>, or a std::vector of those.
template <typename T>
Result<T> Read(const nlohmann::json& j, const std::string& path) {
  if constexpr (std::is_same_v<T, std::string>) {
    return ReadString(j, path);
  } else if constexpr (std::is_same_v<T, bool>) {
    return ReadBool(j, path);
  } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    int64_t v = TRY(ReadInt(j, path, std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
    return static_cast<T>(v);
  } else if constexpr (std::is_integral_v<T>) {
    uint64_t v = TRY(ReadUint(j, path, std::numeric_limits<T>::max()));
    return static_cast<T>(v);
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    return ReadStrings(j, path);
  } else if constexpr (internal::IsVector<T>::value) {
    TRY(ExpectArray(j, path));
    T out;
    out.reserve(j.size());
    for (size_t i = 0; i < j.size(); ++i) {
      out.push_back(TRY(Read<typename T::value_type>(j[i], IndexPath(path, i))));
    }
    return out;
  } else if constexpr (std::is_same_v<T, std::map<std::string, std::string>>) {
    return ReadStringMap(j, path);
  } else {
    static_assert(internal::kUnsupported<T>, "no JSON reader for this type");
  }
}

// Reads the optional member `key` of `obj` into *out; leaves *out as it is
// when the member is absent or null. T may be std::optional<U>.
template <typename T>
Result<void> ReadField(const nlohmann::json& obj, std::string_view key, std::string_view parent,
                       T* out) {
  const nlohmann::json* m = Member(obj, key);
  if (m == nullptr) return {};
  std::string path = FieldPath(parent, key);
  if constexpr (internal::IsOptional<T>::value) {
    *out = TRY(Read<typename T::value_type>(*m, path));
  } else {
    *out = TRY(Read<T>(*m, path));
  }
  return {};
}

// As ReadField, but an absent or null member is an error ("x: is required").
template <typename T>
Result<void> ReadRequired(const nlohmann::json& obj, std::string_view key, std::string_view parent,
                          T* out) {
  if (Member(obj, key) == nullptr) return Fail("{}: is required", FieldPath(parent, key));
  return ReadField(obj, key, parent, out);
}

}  // namespace berth::spec
