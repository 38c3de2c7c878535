// Volume records in the engine's SQLite DB (berth.db): a volume's name,
// driver, creation time, labels, the local driver's options and whether
// the engine named it (an anonymous volume). The data itself lives in
// <data_root>/volumes/<name>/_data (volume_service.h).
//
// Errors callers branch on carry an errno: EEXIST for a name already
// taken, ENOENT for no such volume ("get X: no such volume").
// Thread safety: safe to share; every call is one transaction.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "image/sqlite_db.h"

namespace berth::engine {

struct VolumeRecord {
  std::string name;
  std::string driver = "local";
  std::string created;  // RFC 3339
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> options;  // the local driver's type/device/o
  bool anonymous = false;
};

class VolumeStore {
 public:
  // Opens the store's table in `db` (created if missing).
  static Result<VolumeStore> Open(std::shared_ptr<image::SqliteDb> db);

  // Adds a record; EEXIST when the name is taken.
  Status Create(const VolumeRecord& rec);
  // Removes a record; ENOENT when missing.
  Status Delete(const std::string& name);
  Result<std::optional<VolumeRecord>> Get(const std::string& name);
  // Every record, by name.
  Result<std::vector<VolumeRecord>> List();

 private:
  explicit VolumeStore(std::shared_ptr<image::SqliteDb> db) : db_(std::move(db)) {}
  std::shared_ptr<image::SqliteDb> db_;
};

}  // namespace berth::engine
