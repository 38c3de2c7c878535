#include "image/image_store.h"

#include <sys/random.h>

#include <ctime>

namespace berth::image {

namespace {

// user_version tracks the schema; new tables are added with IF NOT EXISTS
// and later versions migrate from the number they find.
constexpr const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS images (
  id TEXT PRIMARY KEY,
  target TEXT NOT NULL,
  target_media_type TEXT NOT NULL,
  top_chain TEXT,
  size INTEGER NOT NULL,
  created INTEGER NOT NULL,
  pulled INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS image_blobs (
  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  digest TEXT NOT NULL,
  PRIMARY KEY (image_id, digest)
);
CREATE TABLE IF NOT EXISTS tags (
  ref TEXT PRIMARY KEY,
  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS tags_by_image ON tags(image_id);
CREATE TABLE IF NOT EXISTS leases (
  id TEXT PRIMARY KEY,
  created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS lease_resources (
  lease_id TEXT NOT NULL REFERENCES leases(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  ref TEXT NOT NULL,
  PRIMARY KEY (lease_id, kind, ref)
);
PRAGMA user_version = 1;
)";

Result<Digest> DigestCol(const SqlRow& row, size_t i) {
  return TRY_CTX(ParseDigest(row.Text(i)), "database: corrupt digest column");
}

const char* KindName(LeaseKind k) { return k == LeaseKind::kBlob ? "blob" : "layer"; }

}  // namespace

Result<ImageStore> ImageStore::Open(std::shared_ptr<SqliteDb> db) {
  TRY_CTX(db->ExecScript(kSchema), "image store");
  return ImageStore(std::move(db));
}

Status ImageStore::PutImage(const ImageRecord& rec) {
  return db_->InTransaction([&]() -> Status {
    TRY(db_->Exec("DELETE FROM image_blobs WHERE image_id = ?1", {rec.id.String()}));
    TRY(db_->Exec(
        "INSERT INTO images (id, target, target_media_type, top_chain, size, created, pulled) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(id) DO UPDATE SET target = ?2, "
        "target_media_type = ?3, top_chain = ?4, size = ?5, created = ?6, pulled = ?7",
        {rec.id.String(), rec.target.String(), rec.target_media_type,
         rec.top_chain ? SqlValue(rec.top_chain->String()) : SqlValue(nullptr), rec.size,
         rec.created, rec.pulled ? rec.pulled : static_cast<int64_t>(::time(nullptr))}));
    for (const Digest& b : rec.blobs)
      TRY(db_->Exec("INSERT OR IGNORE INTO image_blobs (image_id, digest) VALUES (?1, ?2)",
                    {rec.id.String(), b.String()}));
    return Ok();
  });
}

Result<std::optional<ImageRecord>> ImageStore::GetImage(const Digest& id) {
  auto rows = TRY(db_->Query(
      "SELECT id, target, target_media_type, top_chain, size, created, pulled FROM images "
      "WHERE id = ?1",
      {id.String()}));
  if (rows.empty()) return std::optional<ImageRecord>();
  const SqlRow& r = rows[0];
  ImageRecord rec;
  rec.id = TRY(DigestCol(r, 0));
  rec.target = TRY(DigestCol(r, 1));
  rec.target_media_type = r.Text(2);
  if (!r.Text(3).empty()) rec.top_chain = TRY(DigestCol(r, 3));
  rec.size = r.Int(4);
  rec.created = r.Int(5);
  rec.pulled = r.Int(6);
  auto blobs = TRY(db_->Query("SELECT digest FROM image_blobs WHERE image_id = ?1 ORDER BY rowid",
                              {id.String()}));
  for (const SqlRow& b : blobs) rec.blobs.push_back(TRY(DigestCol(b, 0)));
  return std::optional<ImageRecord>(std::move(rec));
}

Result<std::vector<ImageRecord>> ImageStore::ListImages() {
  auto rows = TRY(db_->Query("SELECT id FROM images ORDER BY created DESC, id"));
  std::vector<ImageRecord> out;
  for (const SqlRow& r : rows) {
    auto rec = TRY(GetImage(TRY(DigestCol(r, 0))));
    if (rec) out.push_back(std::move(*rec));
  }
  return out;
}

Status ImageStore::DeleteImage(const Digest& id) {
  return db_->InTransaction([&]() -> Status {
    TRY(db_->Exec("DELETE FROM tags WHERE image_id = ?1", {id.String()}));
    TRY(db_->Exec("DELETE FROM image_blobs WHERE image_id = ?1", {id.String()}));
    TRY(db_->Exec("DELETE FROM images WHERE id = ?1", {id.String()}));
    return Ok();
  });
}

Result<std::vector<Digest>> ImageStore::FindByIdPrefix(const std::string& prefix) {
  for (char c : prefix)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::vector<Digest>();
  auto rows = TRY(db_->Query("SELECT id FROM images WHERE substr(id, 8, ?1) = ?2",
                             {static_cast<int64_t>(prefix.size()), prefix}));
  std::vector<Digest> out;
  for (const SqlRow& r : rows) out.push_back(TRY(DigestCol(r, 0)));
  return out;
}

Result<std::optional<Digest>> ImageStore::SetTag(const std::string& ref, const Digest& id) {
  std::optional<Digest> prev;
  TRY(db_->InTransaction([&]() -> Status {
    prev = TRY(ResolveTag(ref));
    TRY(
        db_->Exec("INSERT INTO tags (ref, image_id) VALUES (?1, ?2) "
                  "ON CONFLICT(ref) DO UPDATE SET image_id = ?2",
                  {ref, id.String()}));
    return Ok();
  }));
  return prev;
}

Result<std::optional<Digest>> ImageStore::ResolveTag(const std::string& ref) {
  auto rows = TRY(db_->Query("SELECT image_id FROM tags WHERE ref = ?1", {ref}));
  if (rows.empty()) return std::optional<Digest>();
  return std::optional<Digest>(TRY(DigestCol(rows[0], 0)));
}

Result<bool> ImageStore::DeleteTag(const std::string& ref) {
  return TRY(db_->Exec("DELETE FROM tags WHERE ref = ?1", {ref})) > 0;
}

Result<std::vector<std::string>> ImageStore::TagsOf(const Digest& id) {
  auto rows =
      TRY(db_->Query("SELECT ref FROM tags WHERE image_id = ?1 ORDER BY ref", {id.String()}));
  std::vector<std::string> out;
  for (const SqlRow& r : rows) out.push_back(r.Text(0));
  return out;
}

Result<std::string> ImageStore::CreateLease() {
  unsigned char raw[8];
  if (::getrandom(raw, sizeof raw, 0) != sizeof raw) return FailErrno("lease: getrandom");
  std::string id;
  for (unsigned char c : raw) id += fmt::format("{:02x}", c);
  TRY(db_->Exec("INSERT INTO leases (id, created) VALUES (?1, ?2)",
                {id, static_cast<int64_t>(::time(nullptr))}));
  return id;
}

Status ImageStore::LeaseAdd(const std::string& lease, LeaseKind kind, const Digest& what) {
  TRY_CTX(
      db_->Exec("INSERT OR IGNORE INTO lease_resources (lease_id, kind, ref) VALUES (?1, ?2, ?3)",
                {lease, std::string(KindName(kind)), what.String()}),
      "lease {}", lease);
  return Ok();
}

Status ImageStore::DeleteLease(const std::string& lease) {
  TRY(db_->Exec("DELETE FROM leases WHERE id = ?1", {lease}));
  return Ok();
}

Result<int64_t> ImageStore::ExpireLeases() { return db_->Exec("DELETE FROM leases"); }

Result<ImageStore::Roots> ImageStore::GcRoots() {
  Roots roots;
  TRY(db_->InTransaction([&]() -> Status {
    for (const SqlRow& r : TRY(db_->Query("SELECT digest FROM image_blobs UNION "
                                          "SELECT ref FROM lease_resources WHERE kind = 'blob'")))
      roots.blobs.push_back(TRY(DigestCol(r, 0)));
    for (const SqlRow& r :
         TRY(db_->Query("SELECT top_chain FROM images WHERE top_chain IS NOT NULL UNION "
                        "SELECT ref FROM lease_resources WHERE kind = 'layer'")))
      roots.layers.push_back(TRY(DigestCol(r, 0)));
    return Ok();
  }));
  return roots;
}

}  // namespace berth::image
