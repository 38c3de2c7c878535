#include "engine/container_store.h"

#include <array>

namespace berth::engine {
namespace {

using image::SqlRow;
using image::SqlValue;
using nlohmann::json;

constexpr const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS containers (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  image_id TEXT NOT NULL,
  image_ref TEXT NOT NULL,
  created TEXT NOT NULL,
  config TEXT NOT NULL,
  host_config TEXT NOT NULL,
  status TEXT NOT NULL,
  pid INTEGER NOT NULL,
  exit_code INTEGER NOT NULL,
  oom_killed INTEGER NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  restart_count INTEGER NOT NULL,
  error TEXT NOT NULL,
  snapshot_key TEXT NOT NULL,
  bundle_dir TEXT NOT NULL,
  log_path TEXT NOT NULL
);
)";

constexpr const char* kColumns =
    "id, name, image_id, image_ref, created, config, host_config, status, pid, exit_code, "
    "oom_killed, started_at, finished_at, restart_count, error, snapshot_key, bundle_dir, "
    "log_path, manual_stop, health";

constexpr std::array<std::pair<ContainerStatus, const char*>, 7> kStatusNames = {{
    {ContainerStatus::kCreated, "created"},
    {ContainerStatus::kRunning, "running"},
    {ContainerStatus::kPaused, "paused"},
    {ContainerStatus::kRestarting, "restarting"},
    {ContainerStatus::kRemoving, "removing"},
    {ContainerStatus::kExited, "exited"},
    {ContainerStatus::kDead, "dead"},
}};

std::string StripSlash(const std::string& name) {
  return !name.empty() && name[0] == '/' ? name.substr(1) : name;
}

bool IsHex(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

Result<ContainerRecord> FromRow(const SqlRow& r) {
  ContainerRecord rec;
  rec.id = r.Text(0);
  rec.name = r.Text(1);
  rec.image_id = r.Text(2);
  rec.image_ref = r.Text(3);
  rec.created = r.Text(4);
  rec.config = json::parse(r.Text(5), nullptr, false);
  rec.host_config = json::parse(r.Text(6), nullptr, false);
  if (rec.config.is_discarded() || rec.host_config.is_discarded())
    return Fail("database: container {}: corrupt config column", rec.id);
  rec.state.status = TRY_CTX(ParseStatus(r.Text(7)), "database: container {}", rec.id);
  rec.state.pid = r.Int(8);
  rec.state.exit_code = r.Int(9);
  rec.state.oom_killed = r.Int(10) != 0;
  rec.state.started_at = r.Text(11);
  rec.state.finished_at = r.Text(12);
  rec.state.restart_count = r.Int(13);
  rec.state.error = r.Text(14);
  rec.snapshot_key = r.Text(15);
  rec.bundle_dir = r.Text(16);
  rec.log_path = r.Text(17);
  rec.state.manual_stop = r.Int(18) != 0;
  if (std::string health = r.Text(19); !health.empty()) {
    rec.state.health = json::parse(health, nullptr, false);
    if (rec.state.health.is_discarded()) rec.state.health = nullptr;
  }
  return rec;
}

Result<std::vector<ContainerRecord>> FromRows(const std::vector<SqlRow>& rows) {
  std::vector<ContainerRecord> out;
  for (const auto& r : rows) out.push_back(TRY(FromRow(r)));
  return out;
}

// Every column, in kColumns order: ?1 is the ID.
std::vector<SqlValue> Values(const ContainerRecord& rec) {
  return {rec.id,
          StripSlash(rec.name),
          rec.image_id,
          rec.image_ref,
          rec.created,
          rec.config.dump(),
          rec.host_config.dump(),
          std::string(StatusName(rec.state.status)),
          rec.state.pid,
          rec.state.exit_code,
          static_cast<int64_t>(rec.state.oom_killed),
          rec.state.started_at,
          rec.state.finished_at,
          rec.state.restart_count,
          rec.state.error,
          rec.snapshot_key,
          rec.bundle_dir,
          rec.log_path,
          static_cast<int64_t>(rec.state.manual_stop),
          rec.state.health.is_null() ? std::string() : rec.state.health.dump()};
}

}  // namespace

const char* StatusName(ContainerStatus s) {
  for (const auto& [st, name] : kStatusNames)
    if (st == s) return name;
  return "dead";
}

Result<ContainerStatus> ParseStatus(std::string_view name) {
  for (const auto& [st, n] : kStatusNames)
    if (name == n) return st;
  return Fail("unknown container status \"{}\"", name);
}

Result<ContainerStore> ContainerStore::Open(std::shared_ptr<image::SqliteDb> db) {
  TRY_CTX(db->ExecScript(kSchema), "container store");
  // Columns added after the first schema: a database made before them
  // gets them with their defaults, so old records stay readable.
  auto columns = TRY_CTX(db->Query("PRAGMA table_info(containers)"), "container store");
  auto has = [&](std::string_view name) {
    for (const SqlRow& c : columns)
      if (c.Text(1) == name) return true;
    return false;
  };
  if (!has("manual_stop"))
    TRY_CTX(
        db->ExecScript("ALTER TABLE containers ADD COLUMN manual_stop INTEGER NOT NULL DEFAULT 0;"),
        "container store");
  if (!has("health"))
    TRY_CTX(db->ExecScript("ALTER TABLE containers ADD COLUMN health TEXT NOT NULL DEFAULT '';"),
            "container store");
  return ContainerStore(std::move(db));
}

Status ContainerStore::CheckNameFree(const std::string& name, const std::string& id) {
  auto rows = TRY(db_->Query("SELECT id FROM containers WHERE name = ?1", {StripSlash(name)}));
  if (!rows.empty() && rows[0].Text(0) != id)
    return FailAs(EEXIST,
                  "Conflict. The container name \"/{}\" is already in use by container \"{}\". "
                  "You have to remove (or rename) that container to be able to reuse that name.",
                  StripSlash(name), rows[0].Text(0));
  return Ok();
}

Status ContainerStore::Create(const ContainerRecord& rec) {
  if (rec.id.size() != 64 || !IsHex(rec.id))
    return Fail("container ID {} is not 64 lowercase hex digits", rec.id);
  if (StripSlash(rec.name).empty()) return Fail("container {} has no name", rec.id);
  return db_->InTransaction([&]() -> Status {
    TRY(CheckNameFree(rec.name, rec.id));
    auto rows = TRY(db_->Query("SELECT 1 FROM containers WHERE id = ?1", {rec.id}));
    if (!rows.empty()) return FailAs(EEXIST, "container {} already exists", rec.id);
    TRY(db_->Exec(fmt::format("INSERT INTO containers ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                              "?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
                              kColumns),
                  Values(rec)));
    return Ok();
  });
}

Status ContainerStore::Update(const ContainerRecord& rec) {
  return db_->InTransaction([&]() -> Status {
    TRY(CheckNameFree(rec.name, rec.id));
    int64_t n = TRY(
        db_->Exec("UPDATE containers SET name = ?2, image_id = ?3, image_ref = ?4, created = ?5, "
                  "config = ?6, host_config = ?7, status = ?8, pid = ?9, exit_code = ?10, "
                  "oom_killed = ?11, started_at = ?12, finished_at = ?13, restart_count = ?14, "
                  "error = ?15, snapshot_key = ?16, bundle_dir = ?17, log_path = ?18, "
                  "manual_stop = ?19, health = ?20 WHERE id = ?1",
                  Values(rec)));
    if (n == 0) return FailAs(ENOENT, "No such container: {}", rec.id);
    return Ok();
  });
}

Status ContainerStore::SetState(const std::string& id, const ContainerState& s) {
  int64_t n = TRY(db_->Exec(
      "UPDATE containers SET status = ?2, pid = ?3, exit_code = ?4, oom_killed = ?5, "
      "started_at = ?6, finished_at = ?7, restart_count = ?8, error = ?9 WHERE id = ?1",
      {id, std::string(StatusName(s.status)), s.pid, s.exit_code,
       static_cast<int64_t>(s.oom_killed), s.started_at, s.finished_at, s.restart_count, s.error}));
  if (n == 0) return FailAs(ENOENT, "No such container: {}", id);
  return Ok();
}

Status ContainerStore::SetManualStop(const std::string& id, bool manual_stop) {
  int64_t n = TRY(db_->Exec("UPDATE containers SET manual_stop = ?2 WHERE id = ?1",
                            {id, static_cast<int64_t>(manual_stop)}));
  if (n == 0) return FailAs(ENOENT, "No such container: {}", id);
  return Ok();
}

Status ContainerStore::SetHealth(const std::string& id, const json& health) {
  int64_t n = TRY(db_->Exec("UPDATE containers SET health = ?2 WHERE id = ?1",
                            {id, health.is_null() ? std::string() : health.dump()}));
  if (n == 0) return FailAs(ENOENT, "No such container: {}", id);
  return Ok();
}

Status ContainerStore::Rename(const std::string& id, const std::string& new_name) {
  return db_->InTransaction([&]() -> Status {
    TRY(CheckNameFree(new_name, id));
    int64_t n =
        TRY(db_->Exec("UPDATE containers SET name = ?2 WHERE id = ?1", {id, StripSlash(new_name)}));
    if (n == 0) return FailAs(ENOENT, "No such container: {}", id);
    return Ok();
  });
}

Status ContainerStore::Delete(const std::string& id) {
  int64_t n = TRY(db_->Exec("DELETE FROM containers WHERE id = ?1", {id}));
  if (n == 0) return FailAs(ENOENT, "No such container: {}", id);
  return Ok();
}

Result<std::optional<ContainerRecord>> ContainerStore::Get(const std::string& id) {
  auto rows =
      TRY(db_->Query(fmt::format("SELECT {} FROM containers WHERE id = ?1", kColumns), {id}));
  if (rows.empty()) return std::optional<ContainerRecord>();
  return TRY(FromRow(rows[0]));
}

Result<std::optional<ContainerRecord>> ContainerStore::GetByName(const std::string& name) {
  auto rows = TRY(db_->Query(fmt::format("SELECT {} FROM containers WHERE name = ?1", kColumns),
                             {StripSlash(name)}));
  if (rows.empty()) return std::optional<ContainerRecord>();
  return TRY(FromRow(rows[0]));
}

Result<ContainerRecord> ContainerStore::Lookup(const std::string& name_or_id) {
  if (name_or_id.empty()) return FailAs(ENOENT, "No such container: ");
  if (auto rec = TRY(Get(name_or_id))) return *rec;
  if (auto rec = TRY(GetByName(name_or_id))) return *rec;
  if (IsHex(name_or_id)) {
    auto rows = TRY(db_->Query(
        fmt::format("SELECT {} FROM containers WHERE substr(id, 1, ?2) = ?1 LIMIT 2", kColumns),
        {name_or_id, static_cast<int64_t>(name_or_id.size())}));
    if (rows.size() > 1)
      return FailAs(EINVAL, "multiple IDs found with provided prefix: {}", name_or_id);
    if (rows.size() == 1) return TRY(FromRow(rows[0]));
  }
  return FailAs(ENOENT, "No such container: {}", name_or_id);
}

Result<std::vector<ContainerRecord>> ContainerStore::List() {
  auto rows = TRY(db_->Query(
      fmt::format("SELECT {} FROM containers ORDER BY created DESC, rowid DESC", kColumns)));
  return FromRows(rows);
}

}  // namespace berth::engine
