#include "base/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "base/clock.h"

namespace berth::log {
namespace {

int g_fd = STDERR_FILENO;
Format g_format = Format::kText;
bool g_debug = false;

const char* LevelName(Level l) {
  switch (l) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warning";
    case Level::kError:
      return "error";
  }
  return "info";
}

}  // namespace

Status Configure(const std::string& path, Format format, bool debug) {
  g_format = format;
  g_debug = debug;
  if (path.empty()) return Ok();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return FailErrno("open log file {}", path);
  g_fd = fd;
  return Ok();
}

bool LogsElsewhere() { return g_fd != STDERR_FILENO; }

void Write(Level level, std::string_view msg) {
  if (level == Level::kDebug && !g_debug) return;
  std::string line;
  if (g_format == Format::kJson) {
    nlohmann::json j = {{"level", LevelName(level)}, {"msg", msg}, {"time", NowRfc3339Nano()}};
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  } else {
    nlohmann::json quoted = msg;
    line = fmt::format("time=\"{}\" level={} msg={}\n", NowRfc3339Nano(), LevelName(level),
                       quoted.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  (void)!::write(g_fd, line.data(), line.size());
}

}  // namespace berth::log
