#include "shim/exit_record.h"

#include <sys/wait.h>

#include "base/fs.h"

namespace berth::shim {

nlohmann::json ExitRecordToJson(const ExitRecord& r) {
  return {{"id", r.id},
          {"pid", r.pid},
          {"status", r.exited ? "exited" : "running"},
          {"exit_code", r.exit_code},
          {"oom_killed", r.oom_killed},
          {"started_at", r.started_at},
          {"finished_at", r.finished_at}};
}

Result<ExitRecord> ExitRecordFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Fail("exit record is not a JSON object");
  ExitRecord r;
  auto str = [&](const char* key, std::string* out) -> Status {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return Fail("exit record: {:?} is not a string", key);
    *out = it->get<std::string>();
    return Ok();
  };
  auto num = [&](const char* key, int* out) -> Status {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_integer())
      return Fail("exit record: {:?} is not a number", key);
    *out = it->get<int>();
    return Ok();
  };
  std::string status;
  TRY(str("id", &r.id));
  TRY(num("pid", &r.pid));
  TRY(str("status", &status));
  TRY(num("exit_code", &r.exit_code));
  TRY(str("started_at", &r.started_at));
  TRY(str("finished_at", &r.finished_at));
  auto oom = j.find("oom_killed");
  if (oom == j.end() || !oom->is_boolean())
    return Fail("exit record: \"oom_killed\" is not a bool");
  r.oom_killed = oom->get<bool>();
  r.exited = status == "exited";
  return r;
}

int ExitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 255;
}

Status WriteExitRecord(const std::string& path, const ExitRecord& r) {
  return WriteFileAtomic(path, ExitRecordToJson(r).dump() + "\n", 0600);
}

Result<ExitRecord> ReadExitRecord(const std::string& path) {
  auto text = TRY(ReadFile(path));
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return Fail("{}: not JSON", path);
  return TRY_CTX(ExitRecordFromJson(j), "{}", path);
}

}  // namespace berth::shim
