// Pieces of the config.json parser shared by its files (runtime_spec.cc,
// spec_linux.cc). Internal to src/spec.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "spec/runtime_spec.h"

namespace berth::spec {

bool IsKnown(const std::vector<std::string>& names, std::string_view name);

// "path: must be an absolute path, got \"x\"" unless value starts with '/'.
Result<void> CheckAbsolute(const std::string& value, const std::string& path);

// {containerID, hostID, size > 0}.
Result<IdMapping> ParseIdMapping(const nlohmann::json& j, const std::string& path);
// The optional array obj[key]; empty when absent.
Result<std::vector<IdMapping>> ParseIdMappings(const nlohmann::json& obj, std::string_view key,
                                               std::string_view parent);

// The linux section. Checks that involve other sections (user namespace vs
// mappings, hostname vs uts) are made by the caller.
Result<Linux> ParseLinux(const nlohmann::json& j, const std::string& path);

}  // namespace berth::spec
