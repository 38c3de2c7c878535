// What the shim knows about its container's life, as the `state` answer
// carries it and as STATE_DIR/exit.json keeps it once the container has
// exited. exit.json is written atomically (temp file, fsync, rename, fsync
// of the dir) after the container's output is fully in the log, so a
// reader (berthd after a restart) sees the whole record or none, even if
// the shim is gone.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/error.h"

namespace berth::shim {

struct ExitRecord {
  std::string id;
  int pid = 0;
  bool exited = false;
  int exit_code = 0;  // 128+N when killed by signal N
  bool oom_killed = false;
  std::string started_at;   // RFC 3339 UTC, nanoseconds
  std::string finished_at;  // "" while running
};

// {"id","pid","status":"running"|"exited","exit_code","oom_killed",
//  "started_at","finished_at"}
nlohmann::json ExitRecordToJson(const ExitRecord& r);
Result<ExitRecord> ExitRecordFromJson(const nlohmann::json& j);

// The exit code of a wait(2) status: the code, or 128 + the signal.
int ExitCodeOf(int wait_status);

Status WriteExitRecord(const std::string& path, const ExitRecord& r);
// Errors: ENOENT when there is none (the container has not exited, or its
// shim died first).
Result<ExitRecord> ReadExitRecord(const std::string& path);

}  // namespace berth::shim
