// Logging as runc does it, so that containerd and podman can read ours:
// `--log PATH` (default stderr) and `--log-format text|json`, where json
// lines are {"level":"error","msg":"...","time":"RFC3339"} and text lines
// are time="..." level=error msg="...". Not thread-safe: configure once at
// startup, before any threads exist.
#pragma once

#include <string>
#include <string_view>

#include <fmt/core.h>

#include "base/error.h"

namespace berth::log {

enum class Level { kDebug, kInfo, kWarn, kError };
enum class Format { kText, kJson };

// Opens the log target. An empty path means stderr.
Status Configure(const std::string& path, Format format, bool debug);
// True when the log goes somewhere other than stderr.
bool LogsElsewhere();

void Write(Level level, std::string_view msg);

template <typename... Args>
void Debug(fmt::format_string<Args...> f, Args&&... args) {
  Write(Level::kDebug, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void Warn(fmt::format_string<Args...> f, Args&&... args) {
  Write(Level::kWarn, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void Info(fmt::format_string<Args...> f, Args&&... args) {
  Write(Level::kInfo, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace berth::log
