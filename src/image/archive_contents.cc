#include "image/archive_contents.h"

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <vector>

#include "image/blob_spool.h"

namespace berth::image {

namespace {

constexpr int64_t kMaxInMemoryFile = 16 << 20;
constexpr int64_t kMaxInMemoryTotal = 64 << 20;
constexpr size_t kChunk = 1 << 20;

// Lexically resolves `path` against the archive root: "." and empty
// components dropped, ".." pops one (refused when nothing is left to
// pop). `allow_dotdot` is false for entry names, which must never climb.
Result<std::string> CleanArchivePath(std::string_view path, bool allow_dotdot) {
  if (path.starts_with("/")) return Fail("absolute path");
  std::vector<std::string_view> parts;
  std::string_view rest = path;
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    std::string_view part = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!allow_dotdot || parts.empty()) return Fail("path escapes the archive");
      parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string out;
  for (std::string_view p : parts) {
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}

// Small metadata documents are read whole later; keeping them in memory
// spares a trip through the content store for files that are no blob.
bool IsMetadataName(const std::string& path) {
  std::string_view base = path;
  if (size_t slash = base.rfind('/'); slash != std::string_view::npos)
    base = base.substr(slash + 1);
  return base.ends_with(".json") || base == "json" || base == "repositories" ||
         base == "oci-layout" || base == "VERSION";
}

// libarchive pulls the (decompressed) tar stream through this.
struct Source {
  Decompressor decompressor;
  std::string buf = std::string(kChunk, '\0');
  std::optional<Error> error;

  static la_ssize_t Read(archive*, void* self, const void** out) {
    auto* s = static_cast<Source*>(self);
    auto n = s->decompressor.Read(s->buf.data(), s->buf.size());
    if (!n) {
      s->error = n.error();
      return -1;
    }
    *out = s->buf.data();
    return static_cast<la_ssize_t>(*n);
  }
};

class EntryReader {
 public:
  EntryReader(archive* a, Source& src) : a_(a), src_(src), buf_(kChunk, '\0') {}
  // Hands the current entry's data to `sink` chunk by chunk.
  Status Drain(const std::string& path, const std::function<Status(std::string_view)>& sink) {
    for (;;) {
      la_ssize_t n = archive_read_data(a_, buf_.data(), buf_.size());
      if (n < 0) return Failed(path);
      if (n == 0) return Ok();
      TRY(sink(std::string_view(buf_.data(), static_cast<size_t>(n))));
    }
  }
  // The source's error if reading failed there, else libarchive's.
  std::unexpected<Error> Failed(const std::string& what) {
    if (src_.error) return std::unexpected(Error(*src_.error).Context(what));
    const char* msg = archive_error_string(a_);
    return Fail("{}: {}", what, msg ? msg : "tar read failed");
  }

 private:
  archive* a_;
  Source& src_;
  std::string buf_;
};

}  // namespace

ArchiveFile* ArchiveContents::Find(const std::string& path) {
  auto cleaned = CleanArchivePath(path, false);
  if (!cleaned) return nullptr;
  std::string p = *cleaned;
  for (int hops = 0; hops < 16; hops++) {
    auto l = links.find(p);
    if (l == links.end()) break;
    p = l->second;
  }
  auto f = files.find(p);
  return f == files.end() ? nullptr : &f->second;
}

const ArchiveFile* ArchiveContents::Find(const std::string& path) const {
  return const_cast<ArchiveContents*>(this)->Find(path);
}

Result<ArchiveContents> ReadArchiveContents(const ContentStore& content, const ReadFn& read,
                                            uint64_t max_bytes, const ProtectFn& protect) {
  Source src{TRY(Decompressor::Create(read, max_bytes))};
  std::unique_ptr<archive, int (*)(archive*)> a(archive_read_new(), archive_read_free);
  archive_read_support_format_tar(a.get());
  EntryReader reader(a.get(), src);
  if (archive_read_open(a.get(), &src, nullptr, &Source::Read, nullptr) != ARCHIVE_OK)
    return reader.Failed("archive");

  ArchiveContents out;
  int64_t in_memory = 0;
  std::string last = "archive";
  for (;;) {
    archive_entry* e = nullptr;
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) return reader.Failed(last == "archive" ? last : "after " + last);
    const char* raw = archive_entry_pathname(e);
    if (!raw) return Fail("after {}: entry without a usable name", last);
    std::string path = TRY_CTX(CleanArchivePath(raw, false), "entry {:?}", raw);
    last = path;
    if (path.empty()) continue;  // "./"

    // A later entry of the same name replaces an earlier one, as in tar.
    out.files.erase(path);
    out.links.erase(path);

    // Links name another file of the archive (old docker-archives link a
    // repeated layer to its first copy); they are resolved after the end.
    if (const char* hard = archive_entry_hardlink(e)) {
      out.links[path] =
          TRY_CTX(CleanArchivePath(hard, false), "entry {:?}: link target {:?}", path, hard);
      continue;
    }
    mode_t type = archive_entry_filetype(e);
    if (type == AE_IFDIR) continue;
    if (type == AE_IFLNK) {
      std::string_view target = archive_entry_symlink(e) ? archive_entry_symlink(e) : "";
      size_t slash = path.rfind('/');
      std::string dir = slash == std::string::npos ? "" : path.substr(0, slash);
      if (target.starts_with("/"))
        return Fail("entry {:?}: link target {:?}: absolute path", path, std::string(target));
      std::string joined = dir.empty() ? std::string(target) : dir + "/" + std::string(target);
      out.links[path] = TRY_CTX(CleanArchivePath(joined, true), "entry {:?}: link target {:?}",
                                path, std::string(target));
      continue;
    }
    if (type != AE_IFREG) return Fail("entry {:?}: not a regular file, directory or link", path);

    ArchiveFile file;
    file.size = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;

    // A blob named by its digest: straight into the content store.
    if (path.starts_with("blobs/sha256/") && path.find('/', 13) == std::string::npos) {
      Digest d = TRY_CTX(ParseDigest("sha256:" + path.substr(13)), "entry {:?}", path);
      TRY(protect(d));
      if (content.Exists(d)) {
        if (archive_read_data_skip(a.get()) != ARCHIVE_OK) return reader.Failed(path);
      } else {
        auto w = TRY_CTX(content.Writer(d, file.size), "{}", path);
        TRY(reader.Drain(path, [&](std::string_view c) { return w.Write(c); }));
        TRY_CTX(w.Commit(), "{}", path);
      }
      file.stored = d;
      out.files[path] = std::move(file);
      continue;
    }

    // Small metadata: in memory.
    if (IsMetadataName(path) && file.size >= 0 && file.size <= kMaxInMemoryFile &&
        in_memory + file.size <= kMaxInMemoryTotal) {
      TRY(reader.Drain(path, [&](std::string_view c) -> Status {
        if (static_cast<int64_t>(file.data.size() + c.size()) > file.size)
          return Fail("{}: longer than its header says", path);
        file.data.append(c);
        return Ok();
      }));
      in_memory += file.size;
      out.files[path] = std::move(file);
      continue;
    }

    // Anything else: spooled, then stored under the digest it turned out
    // to have.
    auto spool = TRY_CTX(SpooledBlob::Create(content), "{}", path);
    TRY(reader.Drain(path, [&](std::string_view c) { return spool.Write(c); }));
    Digest d = spool.Finish();
    TRY(protect(d));
    TRY_CTX(spool.Store(content), "{}", path);
    file.stored = d;
    file.size = spool.size();
    out.files[path] = std::move(file);
  }
  return out;
}

}  // namespace berth::image
