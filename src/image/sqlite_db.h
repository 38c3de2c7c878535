// A thin Result-returning wrapper over one SQLite connection: berth.db under
// the data root holds images, tags and leases (and, in the engine, the
// containers), in WAL mode so that readers never block the writer and a
// crash at any instant leaves the last committed transaction.
//
// Thread safety: one SqliteDb is shared by the daemon's threads; every call
// takes its mutex, and Transaction holds it from Begin to Commit/Rollback,
// so a transaction's statements are never interleaved with another
// thread's. Statements are prepared per call (the DB is small and the
// calls are few; no cache to keep coherent).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace berth::image {

// A bound parameter or a column value.
using SqlValue = std::variant<std::nullptr_t, int64_t, std::string>;

// One result row, columns in SELECT order.
struct SqlRow {
  std::vector<SqlValue> cols;
  int64_t Int(size_t i) const;
  std::string Text(size_t i) const;  // "" for NULL
};

class SqliteDb {
 public:
  // Opens (creating if needed) the database at `path` with WAL journaling,
  // synchronous=FULL (a committed pull survives power loss) and a busy
  // timeout.
  static Result<std::unique_ptr<SqliteDb>> Open(const std::string& path);
  ~SqliteDb();

  // Runs one statement with `args` bound to ?1, ?2, ...; returns its rows.
  Result<std::vector<SqlRow>> Query(std::string_view sql, const std::vector<SqlValue>& args = {});
  // Runs several statements with no parameters (a schema: idempotent
  // CREATE ... IF NOT EXISTS).
  Status ExecScript(const std::string& sql);
  // As Query, for statements without rows; returns the number of changes.
  Result<int64_t> Exec(std::string_view sql, const std::vector<SqlValue>& args = {});

  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT; any error rolls back.
  // `body` uses this same SqliteDb (the mutex is recursive).
  Status InTransaction(const std::function<Status()>& body);

  const std::string& path() const { return path_; }

 private:
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Result<std::vector<SqlRow>> Run(std::string_view sql, const std::vector<SqlValue>& args,
                                  int64_t* changes);
  sqlite3* db_;
  std::string path_;
  std::recursive_mutex mu_;
};

}  // namespace berth::image
