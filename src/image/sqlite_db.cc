#include "image/sqlite_db.h"

#include <sqlite3.h>

namespace berth::image {

namespace {

std::unexpected<Error> SqlFail(sqlite3* db, std::string_view what) {
  return std::unexpected(
      Error(0, fmt::format("{}: {}", what, db ? sqlite3_errmsg(db) : "out of memory")));
}

// Frees a prepared statement on scope exit.
struct StmtGuard {
  sqlite3_stmt* s = nullptr;
  ~StmtGuard() { sqlite3_finalize(s); }
};

}  // namespace

int64_t SqlRow::Int(size_t i) const {
  if (i < cols.size())
    if (const auto* v = std::get_if<int64_t>(&cols[i])) return *v;
  return 0;
}

std::string SqlRow::Text(size_t i) const {
  if (i < cols.size())
    if (const auto* v = std::get_if<std::string>(&cols[i])) return *v;
  return "";
}

Result<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    auto e = SqlFail(raw, "open database " + path);
    sqlite3_close(raw);
    return e;
  }
  std::unique_ptr<SqliteDb> db(new SqliteDb(raw, path));
  sqlite3_busy_timeout(raw, 10000);
  // WAL: readers (the CLI's `images` while a pull commits) don't block the
  // writer. synchronous=FULL: a commit is on disk when it returns.
  TRY_CTX(db->Exec("PRAGMA journal_mode=WAL"), "database {}", path);
  TRY_CTX(db->Exec("PRAGMA synchronous=FULL"), "database {}", path);
  TRY_CTX(db->Exec("PRAGMA foreign_keys=ON"), "database {}", path);
  return db;
}

Status SqliteDb::ExecScript(const std::string& sql) {
  std::lock_guard lock(mu_);
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Fail("database {}: {}", path_, msg);
  }
  return Ok();
}

SqliteDb::~SqliteDb() { sqlite3_close_v2(db_); }

Result<std::vector<SqlRow>> SqliteDb::Run(std::string_view sql, const std::vector<SqlValue>& args,
                                          int64_t* changes) {
  std::lock_guard lock(mu_);
  StmtGuard st;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &st.s, nullptr) !=
      SQLITE_OK)
    return SqlFail(db_, fmt::format("database {}: prepare \"{}\"", path_, sql));
  for (size_t i = 0; i < args.size(); ++i) {
    int idx = static_cast<int>(i + 1), rc = SQLITE_OK;
    if (const auto* n = std::get_if<int64_t>(&args[i]))
      rc = sqlite3_bind_int64(st.s, idx, *n);
    else if (const auto* s = std::get_if<std::string>(&args[i]))
      rc = sqlite3_bind_text(st.s, idx, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
    else
      rc = sqlite3_bind_null(st.s, idx);
    if (rc != SQLITE_OK) return SqlFail(db_, fmt::format("database {}: bind", path_));
  }
  std::vector<SqlRow> rows;
  for (;;) {
    int rc = sqlite3_step(st.s);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return SqlFail(db_, fmt::format("database {}: \"{}\"", path_, sql));
    SqlRow row;
    int n = sqlite3_column_count(st.s);
    for (int c = 0; c < n; ++c) {
      switch (sqlite3_column_type(st.s, c)) {
        case SQLITE_INTEGER:
          row.cols.emplace_back(static_cast<int64_t>(sqlite3_column_int64(st.s, c)));
          break;
        case SQLITE_NULL:
          row.cols.emplace_back(nullptr);
          break;
        default: {
          const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st.s, c));
          row.cols.emplace_back(std::string(p ? p : "", sqlite3_column_bytes(st.s, c)));
        }
      }
    }
    rows.push_back(std::move(row));
  }
  if (changes) *changes = sqlite3_changes64(db_);
  return rows;
}

Result<std::vector<SqlRow>> SqliteDb::Query(std::string_view sql,
                                            const std::vector<SqlValue>& args) {
  return Run(sql, args, nullptr);
}

Result<int64_t> SqliteDb::Exec(std::string_view sql, const std::vector<SqlValue>& args) {
  int64_t changes = 0;
  TRY(Run(sql, args, &changes));
  return changes;
}

Status SqliteDb::InTransaction(const std::function<Status()>& body) {
  std::lock_guard lock(mu_);
  TRY(Exec("BEGIN IMMEDIATE"));
  Status st = body();
  if (!st) {
    (void)Exec("ROLLBACK");
    return st;
  }
  if (auto c = Exec("COMMIT"); !c) {
    (void)Exec("ROLLBACK");
    return std::unexpected(c.error());
  }
  return Ok();
}

}  // namespace berth::image
