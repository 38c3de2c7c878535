#include "engine/volume_store.h"

#include <nlohmann/json.hpp>

namespace berth::engine {
namespace {

using image::SqlRow;
using nlohmann::json;

constexpr const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS volumes (
  name TEXT PRIMARY KEY,
  driver TEXT NOT NULL,
  created TEXT NOT NULL,
  labels TEXT NOT NULL,
  options TEXT NOT NULL,
  anonymous INTEGER NOT NULL
);
)";

std::map<std::string, std::string> StringMap(const std::string& text) {
  std::map<std::string, std::string> out;
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return out;
  for (const auto& [k, v] : j.items())
    if (v.is_string()) out[k] = v.get<std::string>();
  return out;
}

VolumeRecord FromRow(const SqlRow& r) {
  VolumeRecord v;
  v.name = r.Text(0);
  v.driver = r.Text(1);
  v.created = r.Text(2);
  v.labels = StringMap(r.Text(3));
  v.options = StringMap(r.Text(4));
  v.anonymous = r.Int(5) != 0;
  return v;
}

constexpr const char* kColumns = "name, driver, created, labels, options, anonymous";

}  // namespace

Result<VolumeStore> VolumeStore::Open(std::shared_ptr<image::SqliteDb> db) {
  TRY_CTX(db->ExecScript(kSchema), "volume store");
  return VolumeStore(std::move(db));
}

Status VolumeStore::Create(const VolumeRecord& rec) {
  return db_->InTransaction([&]() -> Status {
    auto rows = TRY(db_->Query("SELECT 1 FROM volumes WHERE name = ?1", {rec.name}));
    if (!rows.empty()) return FailAs(EEXIST, "volume {} already exists", rec.name);
    TRY(db_->Exec(fmt::format("INSERT INTO volumes ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", kColumns),
                  {rec.name, rec.driver, rec.created, json(rec.labels).dump(),
                   json(rec.options).dump(), static_cast<int64_t>(rec.anonymous)}));
    return Ok();
  });
}

Status VolumeStore::Delete(const std::string& name) {
  int64_t n = TRY(db_->Exec("DELETE FROM volumes WHERE name = ?1", {name}));
  if (n == 0) return FailAs(ENOENT, "get {}: no such volume", name);
  return Ok();
}

Result<std::optional<VolumeRecord>> VolumeStore::Get(const std::string& name) {
  auto rows =
      TRY(db_->Query(fmt::format("SELECT {} FROM volumes WHERE name = ?1", kColumns), {name}));
  if (rows.empty()) return std::optional<VolumeRecord>();
  return std::optional<VolumeRecord>(FromRow(rows[0]));
}

Result<std::vector<VolumeRecord>> VolumeStore::List() {
  auto rows = TRY(db_->Query(fmt::format("SELECT {} FROM volumes ORDER BY name", kColumns)));
  std::vector<VolumeRecord> out;
  for (const auto& r : rows) out.push_back(FromRow(r));
  return out;
}

}  // namespace berth::engine
