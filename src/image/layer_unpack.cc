#include "image/layer_unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/unique_fd.h"
#include "sys/syscalls.h"

namespace berth::image {
namespace {

// The tar stream is handed to libarchive in blocks this big; file data
// comes back as pointers into them and goes to write() as is.
constexpr size_t kTarBufSize = 1 << 20;
// Files at least this big begin writeback as soon as they are written.
constexpr int64_t kEarlyWritebackBytes = 1 << 20;

// How every path inside the layer is resolved: symlinks are followed as the
// container will follow them, with "/" and ".." clamped at the layer root,
// and /proc magic links refused.
constexpr uint64_t kInRoot = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;

// AUFS whiteout spelling, which OCI layers use (image-spec layer.md).
constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kWhiteoutMetaPrefix = ".wh..wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

// A cleaned entry path: components without "", "." or "..". The views point
// into the entry's pathname, valid while the entry is being processed.
using Components = std::vector<std::string_view>;

// Drops empty and "." components (so "/a", "./a" and "a//b/" are fine) and
// refuses "..": a layer names its files from its own root, and no
// legitimate tar writer emits "..".
Result<Components> SplitEntryPath(std::string_view path) {
  Components out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view c = path.substr(start, end - start);
    if (c == "..") return Fail("path escapes the layer root");
    if (!c.empty() && c != ".") out.push_back(c);
    start = end + 1;
  }
  return out;
}

std::string Join(const Components& c, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    if (i) s += '/';
    s += c[i];
  }
  return s;
}

// The metadata a tar header gives every entry.
struct Meta {
  uid_t uid;
  gid_t gid;
  mode_t mode;        // permission bits incl. setuid/setgid/sticky
  timespec times[2];  // atime, mtime (utimensat order)
};

Result<Meta> EntryMeta(archive_entry* e) {
  int64_t uid = archive_entry_uid(e), gid = archive_entry_gid(e);
  // (uid_t)-1 means "leave unchanged" to chown; refuse it with the rest.
  if (uid < 0 || uid >= 0xffffffff || gid < 0 || gid >= 0xffffffff)
    return Fail("owner {}:{} is out of range", uid, gid);
  Meta m;
  m.uid = static_cast<uid_t>(uid);
  m.gid = static_cast<gid_t>(gid);
  m.mode = archive_entry_mode(e) & 07777;
  m.times[1] = {archive_entry_mtime(e), archive_entry_mtime_nsec(e)};
  m.times[0] = m.times[1];  // plain ustar has no atime: use the mtime
  if (archive_entry_atime_is_set(e))
    m.times[0] = {archive_entry_atime(e), archive_entry_atime_nsec(e)};
  return m;
}

bool IsPrivilegedXattr(std::string_view key) {
  return key.starts_with("trusted.") || key.starts_with("security.");
}

// Removes the directory `name` in `dirfd` and everything under it, without
// following symlinks.
Status RemoveTree(int dirfd, const char* name) {
  int fd = ::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return FailErrno("open {:?} to remove it", name);
  DIR* d = ::fdopendir(fd);
  if (!d) {
    ::close(fd);
    return FailErrno("read directory {:?}", name);
  }
  // Names first, removal after: deleting while readdir walks the
  // directory may make it skip entries on some filesystems.
  std::vector<std::pair<std::string, bool>> children;
  errno = 0;
  while (dirent* de = ::readdir(d)) {
    if (std::strcmp(de->d_name, ".") == 0 || std::strcmp(de->d_name, "..") == 0) continue;
    bool is_dir = de->d_type == DT_DIR;
    if (de->d_type == DT_UNKNOWN) {
      struct stat st;
      is_dir = ::fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
    }
    children.emplace_back(de->d_name, is_dir);
  }
  if (errno != 0) {
    ::closedir(d);
    return FailErrno("read directory {:?}", name);
  }
  Status st = Ok();
  for (const auto& [child, is_dir] : children) {
    if (is_dir) {
      st = RemoveTree(fd, child.c_str());
    } else if (::unlinkat(fd, child.c_str(), 0) != 0) {
      st = FailErrno("remove {:?}", child);
    }
    if (!st) break;
  }
  ::closedir(d);
  if (!st) return st;
  if (::unlinkat(dirfd, name, AT_REMOVEDIR) != 0) return FailErrno("remove directory {:?}", name);
  return Ok();
}

// What libarchive reads: decompressed blocks, hashed on the way (diff_id).
// An error from the source or the decompressor is kept here, so that it is
// reported as itself rather than as libarchive's "read error".
// The decompressed tar stream, made by a thread of its own: reading,
// inflating and hashing (the CPU half of an unpack) overlap with creating
// files (the syscall half), so one layer keeps both cores busy. Blocks
// circulate between a free list and a full queue; at most kTarBlocks are
// in flight, so memory stays bounded whatever the layer's size.
constexpr size_t kTarBlocks = 4;

class TarSource {
 public:
  // hash: whether the uncompressed stream is hashed (the diff_id); a
  // stream that turns out uncompressed is not, its blob digest being the
  // same.
  TarSource(Decompressor& dec, bool hash) : dec_(dec), hash_(hash) {
    for (size_t i = 0; i < kTarBlocks; ++i)
      free_.push_back(std::unique_ptr<char[]>(new char[kTarBufSize]));
    thread_ = std::thread([this] { Produce(); });
  }
  ~TarSource() { Stop(); }
  TarSource(const TarSource&) = delete;
  TarSource& operator=(const TarSource&) = delete;

  // The next block of the stream, valid until the next call; empty at the
  // end, and again on every later call, as a failure is. A failure of the
  // stream (source, decompressor) is kept in `error`.
  Result<std::string_view> Next() {
    if (error) return std::unexpected(*error);
    if (ended_) return std::string_view();
    std::unique_lock lock(mu_);
    if (current_) free_.push_back(std::move(current_));
    cv_.notify_all();
    cv_.wait(lock, [&] { return !full_.empty(); });
    Block b = std::move(full_.front());
    full_.pop_front();
    if (b.error) {
      error = *b.error;
      return std::unexpected(std::move(*b.error));
    }
    if (b.len == 0) {
      ended_ = true;
      return std::string_view();
    }
    current_ = std::move(b.data);
    return std::string_view(current_.get(), b.len);
  }

  // Stops the producer (at its next block) and waits for it. Digests and
  // totals are final once the stream has ended and Stop has returned.
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  Digest DiffId() { return diff_id_.Finish(); }

  std::optional<Error> error;

 private:
  struct Block {
    std::unique_ptr<char[]> data;
    size_t len = 0;
    std::optional<Error> error;
  };

  void Produce() {
    for (;;) {
      std::unique_ptr<char[]> buf;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stop_ || !free_.empty(); });
        if (stop_) return;
        buf = std::move(free_.back());
        free_.pop_back();
      }
      auto n = dec_.Read(buf.get(), kTarBufSize);
      Block b;
      if (n) {
        if (hash_ && dec_.compression() != Compression::kNone) diff_id_.Update(buf.get(), *n);
        b.len = *n;
        b.data = std::move(buf);
      } else {
        b.error = std::move(n).error();
      }
      bool last = !n || *n == 0;
      {
        std::lock_guard lock(mu_);
        full_.push_back(std::move(b));
      }
      cv_.notify_all();
      if (last) return;
    }
  }

  Decompressor& dec_;
  bool hash_;
  Sha256 diff_id_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<char[]>> free_;
  std::deque<Block> full_;
  std::unique_ptr<char[]> current_;  // the block libarchive is reading
  bool ended_ = false;               // the end was handed out (reader's side)
  bool stop_ = false;
  std::thread thread_;
};

la_ssize_t ReadTarBlock(archive* a, void* opaque, const void** out) {
  auto* src = static_cast<TarSource*>(opaque);
  auto block = src->Next();
  if (!block) {
    archive_set_error(a, EIO, "%s", block.error().What().c_str());
    return -1;
  }
  *out = block->data();
  return static_cast<la_ssize_t>(block->size());
}

// A directory whose mode and times are applied once every entry is in
// (adding children changes a directory's mtime; a 0555 directory could not
// take children). The inode is kept to notice if a later entry replaced it.
struct PendingDir {
  std::string path;  // cleaned, "" for the root
  dev_t dev;
  ino_t ino;
  Meta meta;
};

class Unpacker {
 public:
  explicit Unpacker(const UnpackOptions& options) : options_(options) {
    std::string kind = options.plain_files ? "archive" : "layer";
    prefix_ = options.layer.empty() ? kind : kind + " " + options.layer;
  }
  Result<UnpackStats> Run(const ReadFn& read_compressed, int rootfd);

 private:
  Error LayerError(Error e) const { return std::move(e).Context(prefix_); }
  Error EntryError(Error e, std::string_view entry) const {
    return std::move(e).Context(fmt::format("{} entry {:?}", prefix_, entry));
  }
  // The tar parser's own failure, or the stream error behind it.
  Error TarError() const {
    if (source_->error) return *source_->error;
    const char* msg = archive_error_string(archive_);
    return Error(0, fmt::format("tar: {}", msg ? msg : "unknown error"));
  }

  Status Entry(archive_entry* e);
  Status Whiteout(const Components& c);
  Status RegularFile(int pfd, const std::string& name, const Meta& m, archive_entry* e);
  // Its content, owner, mode, xattrs and times, into the new file `fd`.
  Status FillFile(int fd, int pfd, const std::string& name, const Meta& m, archive_entry* e);
  Status Directory(int pfd, const std::string& name, std::string path, const Meta& m,
                   archive_entry* e);
  Status Symlink(int pfd, const std::string& name, const Meta& m, archive_entry* e);
  Status Node(int pfd, const std::string& name, const Meta& m, archive_entry* e);
  Status Hardlink(int pfd, const std::string& name, const char* target);
  Status FinishDirectories();

  Status WriteData(int fd, archive_entry* e);
  Status Chown(int fd, const char* name, const Meta& m);
  // A file this unpack has just created already has m's owner: no chown.
  bool OwnedAlready(const Meta& m) const {
    return creator_known_ && m.uid == creator_uid_ && m.gid == creator_gid_;
  }
  Status SetXattrs(archive_entry* e, int fd, int pfd, const std::string& name);
  Status MarkOpaque(int dirfd);
  Result<bool> ClearName(int pfd, const std::string& name, bool keep_dir);

  int OpenInRoot(const std::string& path, int flags) const;
  Result<int> Parent(const Components& c);
  Result<UniqueFd> OpenOrCreateDir(const std::string& path);

  const UnpackOptions& options_;
  std::string prefix_;
  UnpackStats stats_;
  UniqueFd root_;
  // Who a file this unpack creates belongs to before any chown: its euid
  // and egid, since every directory is 0700 without setgid until
  // FinishDirectories (unless the root itself is setgid: then unknown).
  bool creator_known_ = false;
  uid_t creator_uid_ = 0;
  gid_t creator_gid_ = 0;
  archive* archive_ = nullptr;
  TarSource* source_ = nullptr;
  bool stream_ended_ = false;  // the tar stopped right after a file's data
  // Entries of one directory usually come together: its fd is kept. It is
  // marked stale whenever a directory or symlink is removed, since that can
  // change what its path resolves to.
  UniqueFd parent_;
  std::string parent_path_;
  bool parent_valid_ = false;
  std::vector<PendingDir> dirs_;
  std::unordered_map<std::string, size_t> dir_index_;
};

Result<UnpackStats> Unpacker::Run(const ReadFn& read_compressed, int rootfd) {
  // Our own fd of the root: the caller's may be O_PATH, and fsetxattr
  // (opaque markers on the root) needs a real one.
  root_.Reset(::openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root_) return std::unexpected(LayerError(FailErrno("open the layer root").error()));
  if (struct stat st; ::fstat(root_.get(), &st) == 0 && !(st.st_mode & S_ISGID)) {
    creator_known_ = true;
    creator_uid_ = ::geteuid();
    creator_gid_ = ::getegid();
  }

  // The blob digest is the hash of the bytes exactly as the source gives
  // them, taken as the decompressor pulls them.
  Sha256 blob;
  ReadFn hashed = [&](char* buf, size_t len) -> Result<size_t> {
    size_t n = TRY(read_compressed(buf, len));
    if (n > len) return Fail("layer source returned {} bytes for a {}-byte read", n, len);
    if (options_.digests) blob.Update(buf, n);
    return n;
  };
  auto dec = Decompressor::Create(std::move(hashed), options_.max_uncompressed_bytes);
  if (!dec) return std::unexpected(LayerError(std::move(dec).error()));
  TarSource source(*dec, options_.digests);
  source_ = &source;

  // libarchive as a tar parser only: no decompression filters (ours bound
  // the output), no disk writer.
  std::unique_ptr<archive, int (*)(archive*)> ar(archive_read_new(), archive_read_free);
  if (!ar) return Fail("{}: cannot allocate a tar reader", prefix_);
  archive_ = ar.get();
  archive_read_support_format_tar(archive_);  // ustar, pax and GNU
  archive_read_support_filter_none(archive_);
  if (archive_read_open(archive_, &source, nullptr, ReadTarBlock, nullptr) != ARCHIVE_OK)
    return std::unexpected(LayerError(TarError()));

  for (;;) {
    archive_entry* e = nullptr;
    int rc = archive_read_next_header(archive_, &e);
    if (rc == ARCHIVE_EOF) break;
    // ARCHIVE_WARN is a header oddity libarchive has already dealt with
    // (an unconvertible name charset, say); the entry itself is usable.
    if (rc < ARCHIVE_WARN) return std::unexpected(LayerError(TarError()));
    ++stats_.entries;
    Status st = Entry(e);
    if (!st) {
      if (source.error) return std::unexpected(LayerError(*source.error));
      const char* name = archive_entry_pathname(e);
      return std::unexpected(EntryError(std::move(st).error(), name ? name : ""));
    }
    if (stream_ended_) break;
  }
  TRY(FinishDirectories());

  // The tar ends before its stream does (end-of-archive blocks, record
  // padding, the gzip trailer): read the rest so both digests cover all
  // of it and the compressed stream is checked to its end.
  for (;;) {
    auto n = source.Next();
    if (!n) return std::unexpected(LayerError(std::move(n).error()));
    if (n->empty()) break;
  }
  source.Stop();

  if (options_.digests) {
    stats_.blob_digest = blob.Finish();
    stats_.diff_id =
        dec->compression() == Compression::kNone ? stats_.blob_digest : source.DiffId();
  }
  stats_.compressed_size = dec->in_total();
  stats_.uncompressed_size = dec->out_total();
  stats_.compression = dec->compression();
  return stats_;
}

Status Unpacker::Entry(archive_entry* e) {
  const char* raw = archive_entry_pathname(e);
  if (!raw) return Fail("entry has no path");
  Components c = TRY(SplitEntryPath(raw));
  for (size_t i = 0; i + 1 < c.size(); ++i) {
    if (options_.plain_files || !c[i].starts_with(kWhiteoutPrefix)) continue;
    // AUFS keeps its own bookkeeping under .wh..wh.plnk and the like;
    // it means nothing to overlayfs.
    if (c[i].starts_with(kWhiteoutMetaPrefix)) return Ok();
    return Fail("whiteout {:?} used as a directory", c[i]);
  }
  Meta m = TRY(EntryMeta(e));
  if (options_.owner) {
    m.uid = options_.owner->first;
    m.gid = options_.owner->second;
  }
  const char* hardlink = archive_entry_hardlink(e);
  if (c.empty()) {
    // "./" (or "/"): the layer's root directory itself.
    if (hardlink || archive_entry_filetype(e) != AE_IFDIR)
      return Fail("entry names the layer root but is not a directory");
    return Directory(root_.get(), "", "", m, e);
  }
  if (!options_.plain_files && c.back().starts_with(kWhiteoutPrefix)) return Whiteout(c);

  int pfd = TRY(Parent(c));
  std::string name(c.back());
  if (hardlink) return Hardlink(pfd, name, hardlink);
  switch (archive_entry_filetype(e)) {
    case AE_IFREG:
      return RegularFile(pfd, name, m, e);
    case AE_IFDIR:
      return Directory(pfd, name, Join(c, c.size()), m, e);
    case AE_IFLNK:
      return Symlink(pfd, name, m, e);
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO:
      return Node(pfd, name, m, e);
    default:
      return Fail("unsupported entry type {:#o}", archive_entry_filetype(e));
  }
}

// ".wh.NAME" deletes NAME of the layers below; overlayfs spells that as a
// 0/0 character device. ".wh..wh..opq" hides everything below its
// directory; overlayfs spells that as an xattr on the directory.
Status Unpacker::Whiteout(const Components& c) {
  std::string_view base = c.back();
  if (base == kOpaqueMarker) {
    int pfd = TRY(Parent(c));
    return MarkOpaque(pfd);
  }
  if (base.starts_with(kWhiteoutMetaPrefix)) return Ok();  // AUFS metadata
  std::string name(base.substr(kWhiteoutPrefix.size()));
  if (name.empty() || name == "." || name == "..")
    return Fail("malformed whiteout {:?}: it names no file", base);
  int pfd = TRY(Parent(c));
  TRY(ClearName(pfd, name, false));
  if (::mknodat(pfd, name.c_str(), S_IFCHR, makedev(0, 0)) != 0)
    return FailErrno("create whiteout device {:?}", name);
  return Ok();
}

Status Unpacker::RegularFile(int pfd, const std::string& name, const Meta& m, archive_entry* e) {
  // 0600 until the content is in; the real mode comes after chown, which
  // would clear setuid/setgid. Most names are new: an existing one is
  // cleared only when the create says it exists.
  auto create = [&] {
    return UniqueFd(
        ::openat(pfd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  };
  UniqueFd fd = create();
  if (!fd && errno == EEXIST) {
    TRY(ClearName(pfd, name, false));
    fd = create();
  }
  if (!fd) return FailErrno("create file");
  Status st = FillFile(fd.get(), pfd, name, m, e);
  // A file cut short (the stream broke mid-data, as when cp's client
  // stops) is not left behind looking whole: the name was ours, made just
  // now with O_EXCL.
  if (!st) (void)::unlinkat(pfd, name.c_str(), 0);
  return st;
}

Status Unpacker::FillFile(int fd, int pfd, const std::string& name, const Meta& m,
                          archive_entry* e) {
  TRY(WriteData(fd, e));
  if (!OwnedAlready(m)) TRY(Chown(fd, nullptr, m));
  if (::fchmod(fd, m.mode) != 0) return FailErrno("chmod {:04o}", m.mode);
  // After chown and the data: both clear security.capability.
  TRY(SetXattrs(e, fd, pfd, name));
  if (::futimens(fd, m.times) != 0) return FailErrno("set times");
  return Ok();
}

Status Unpacker::WriteData(int fd, archive_entry* e) {
  int64_t pos = 0;
  for (;;) {
    const void* buf;
    size_t len;
    la_int64_t offset;
    int rc = archive_read_data_block(archive_, &buf, &len, &offset);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) {
      // Some writers (umoci 0.4's insert) end the stream right after the
      // last file's data, with neither its block padding nor the
      // end-of-archive blocks. Go's archive/tar, and so docker, takes a
      // clean end of stream there as the end of the archive; so does
      // berth, once every byte of the file has arrived.
      if (!source_->error && pos >= archive_entry_size(e)) {
        stream_ended_ = true;
        break;
      }
      return std::unexpected(TarError());
    }
    // Sparse entries come as blocks at offsets; the gaps stay holes.
    if (offset != pos && ::lseek(fd, offset, SEEK_SET) < 0) return FailErrno("seek");
    pos = offset;
    if (sys::WriteAll(fd, buf, len) != 0) return FailErrno("write");
    pos += static_cast<int64_t>(len);
  }
  int64_t size = archive_entry_size(e);
  if (pos < size && ::ftruncate(fd, size) != 0) return FailErrno("truncate to {} bytes", size);
  // Large files start their writeback now, without waiting, so the
  // layer's sync before commit (Snapshotter::CommitLayer) has less left to
  // write; small files are left to that one sync.
  if (pos >= kEarlyWritebackBytes) (void)::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
  return Ok();
}

Status Unpacker::Directory(int pfd, const std::string& name, std::string path, const Meta& m,
                           archive_entry* e) {
  UniqueFd own;
  int fd = pfd;  // the root itself when `name` is empty
  if (!name.empty()) {
    bool exists = TRY(ClearName(pfd, name, true));
    if (!exists && ::mkdirat(pfd, name.c_str(), 0700) != 0) return FailErrno("create directory");
    own.Reset(::openat(pfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!own) return FailErrno("open directory");
    fd = own.get();
  }
  TRY(Chown(fd, nullptr, m));
  TRY(SetXattrs(e, fd, pfd, name));
  struct stat st;
  if (::fstat(fd, &st) != 0) return FailErrno("stat directory");
  // A directory named twice keeps its first place and the last metadata.
  PendingDir d{path, st.st_dev, st.st_ino, m};
  auto [it, added] = dir_index_.emplace(std::move(path), dirs_.size());
  if (added) {
    dirs_.push_back(std::move(d));
  } else {
    dirs_[it->second] = std::move(d);
  }
  return Ok();
}

Status Unpacker::Symlink(int pfd, const std::string& name, const Meta& m, archive_entry* e) {
  // The target is stored as written, absolute or not: it is resolved in the
  // container's root at run time, and by RESOLVE_IN_ROOT here.
  const char* target = archive_entry_symlink(e);
  if (!target || !*target) return Fail("symbolic link has no target");
  if (::symlinkat(target, pfd, name.c_str()) != 0) {
    if (errno != EEXIST) return FailErrno("create symbolic link");
    TRY(ClearName(pfd, name, false));
    if (::symlinkat(target, pfd, name.c_str()) != 0) return FailErrno("create symbolic link");
  }
  if (!OwnedAlready(m)) TRY(Chown(pfd, name.c_str(), m));
  // Linux symlinks have no mode of their own: no chmod.
  TRY(SetXattrs(e, -1, pfd, name));
  if (::utimensat(pfd, name.c_str(), m.times, AT_SYMLINK_NOFOLLOW) != 0)
    return FailErrno("set times");
  return Ok();
}

Status Unpacker::Node(int pfd, const std::string& name, const Meta& m, archive_entry* e) {
  mode_t type = archive_entry_filetype(e);
  dev_t dev =
      type == AE_IFIFO ? 0 : makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
  TRY(ClearName(pfd, name, false));
  if (::mknodat(pfd, name.c_str(), type | 0600, dev) != 0) {
    // Without real root, device nodes cannot be made (a container gets its
    // /dev from the runtime anyway); fifos always can.
    if (errno == EPERM && options_.rootless && type != AE_IFIFO) {
      ++stats_.skipped;
      return Ok();
    }
    return FailErrno("create {}", type == AE_IFIFO ? "fifo" : "device node");
  }
  TRY(Chown(pfd, name.c_str(), m));
  if (::fchmodat(pfd, name.c_str(), m.mode, AT_SYMLINK_NOFOLLOW) != 0)
    return FailErrno("chmod {:04o}", m.mode);
  TRY(SetXattrs(e, -1, pfd, name));
  if (::utimensat(pfd, name.c_str(), m.times, AT_SYMLINK_NOFOLLOW) != 0)
    return FailErrno("set times");
  return Ok();
}

Status Unpacker::Hardlink(int pfd, const std::string& name, const char* target) {
  auto tc = SplitEntryPath(target);
  if (!tc) return Fail("hardlink target {:?}: path escapes the layer root", target);
  if (tc->empty()) return Fail("hardlink target {:?} is the layer root", target);
  std::string tname(tc->back());
  UniqueFd tparent;
  int tpfd = root_.get();
  if (tc->size() > 1) {
    tparent.Reset(OpenInRoot(Join(*tc, tc->size() - 1), O_RDONLY | O_DIRECTORY));
    if (!tparent) {
      if (errno == ENOENT || errno == ENOTDIR)
        return FailAs(ENOENT, "hardlink target {:?} does not exist in the layer", target);
      return FailErrno("open hardlink target {:?}", target);
    }
    tpfd = tparent.get();
  }
  struct stat ts;
  if (::fstatat(tpfd, tname.c_str(), &ts, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT)
      return FailAs(ENOENT, "hardlink target {:?} does not exist in the layer", target);
    return FailErrno("stat hardlink target {:?}", target);
  }
  if (S_ISDIR(ts.st_mode)) return Fail("hardlink target {:?} is a directory", target);
  struct stat cur;
  if (::fstatat(pfd, name.c_str(), &cur, AT_SYMLINK_NOFOLLOW) == 0 && cur.st_dev == ts.st_dev &&
      cur.st_ino == ts.st_ino)
    return Ok();  // already that file
  TRY(ClearName(pfd, name, false));
  // Flags 0: a symlink target is linked itself, never followed.
  if (::linkat(tpfd, tname.c_str(), pfd, name.c_str(), 0) != 0)
    return FailErrno("link to {:?}", target);
  return Ok();
}

Status Unpacker::FinishDirectories() {
  for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
    const PendingDir& d = *it;
    UniqueFd own;
    int fd = root_.get();
    if (!d.path.empty()) {
      own.Reset(OpenInRoot(d.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
      // Gone or no longer a directory: a later entry replaced it.
      if (!own && (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)) continue;
      if (!own) return std::unexpected(EntryError(FailErrno("open directory").error(), d.path));
      fd = own.get();
    }
    struct stat st;
    if (::fstat(fd, &st) != 0)
      return std::unexpected(EntryError(FailErrno("stat directory").error(), d.path));
    if (st.st_dev != d.dev || st.st_ino != d.ino) continue;
    if (::fchmod(fd, d.meta.mode) != 0)
      return std::unexpected(EntryError(FailErrno("chmod {:04o}", d.meta.mode).error(), d.path));
    if (::futimens(fd, d.meta.times) != 0)
      return std::unexpected(EntryError(FailErrno("set times").error(), d.path));
  }
  return Ok();
}

Status Unpacker::Chown(int fd, const char* name, const Meta& m) {
  int rc =
      name ? ::fchownat(fd, name, m.uid, m.gid, AT_SYMLINK_NOFOLLOW) : ::fchown(fd, m.uid, m.gid);
  if (rc == 0) return Ok();
  // Rootless: ids outside the user namespace's map are EINVAL, no
  // CAP_CHOWN is EPERM. The file stays ours.
  if (options_.rootless && (errno == EPERM || errno == EINVAL)) {
    ++stats_.skipped;
    return Ok();
  }
  return FailErrno("chown {}:{}", m.uid, m.gid);
}

// Pax SCHILY.xattr.* records (libarchive hands them out decoded). Regular
// files and directories get them through their fd; symlinks and nodes,
// which cannot be opened for that, through /proc/self/fd/<parent>/<name>
// with lsetxattr, which does not follow the last component.
Status Unpacker::SetXattrs(archive_entry* e, int fd, int pfd, const std::string& name) {
  if (archive_entry_xattr_reset(e) == 0) return Ok();
  // libarchive's own pax writer stores each xattr twice (LIBARCHIVE.xattr
  // and SCHILY.xattr): set each name once, the last value winning.
  struct Xattr {
    std::string_view key;
    const void* value;
    size_t size;
  };
  std::vector<Xattr> xattrs;
  const char* key;
  const void* value;
  size_t size;
  while (archive_entry_xattr_next(e, &key, &value, &size) == ARCHIVE_OK) {
    std::string_view k(key);
    if (k.starts_with("trusted.overlay.") || k.starts_with("user.overlay.")) continue;
    auto same =
        std::find_if(xattrs.begin(), xattrs.end(), [&](const Xattr& x) { return x.key == k; });
    if (same != xattrs.end()) {
      *same = {k, value, size};
    } else {
      xattrs.push_back({k, value, size});
    }
  }
  std::string proc_path;
  for (const Xattr& x : xattrs) {
    std::string k(x.key);
    int rc;
    if (fd >= 0) {
      rc = ::fsetxattr(fd, k.c_str(), x.value, x.size, 0);
    } else {
      if (proc_path.empty()) proc_path = fmt::format("/proc/self/fd/{}/{}", pfd, name);
      rc = ::lsetxattr(proc_path.c_str(), k.c_str(), x.value, x.size, 0);
    }
    if (rc == 0) continue;
    if (options_.rootless && errno == EPERM && IsPrivilegedXattr(k)) {
      ++stats_.skipped;
      continue;
    }
    return FailErrno("set xattr {}", k);
  }
  return Ok();
}

Status Unpacker::MarkOpaque(int dirfd) {
  if (::fsetxattr(dirfd, "trusted.overlay.opaque", "y", 1, 0) == 0) return Ok();
  if (options_.rootless && errno == EPERM &&
      ::fsetxattr(dirfd, "user.overlay.opaque", "y", 1, 0) == 0)
    return Ok();
  return FailErrno("mark directory opaque (trusted.overlay.opaque)");
}

// Makes room for a new entry called `name`: removes what is there (a
// directory with all it holds), except a directory when `keep_dir` (a
// directory entry over a directory only updates it). Returns whether a
// kept directory is there.
Result<bool> Unpacker::ClearName(int pfd, const std::string& name, bool keep_dir) {
  struct stat st;
  if (::fstatat(pfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return false;
    return FailErrno("stat existing {:?}", name);
  }
  if (options_.no_overwrite_dir_non_dir && S_ISDIR(st.st_mode) != keep_dir) {
    if (keep_dir) return FailAs(EINVAL, "cannot overwrite non-directory {:?} with directory", name);
    return FailAs(EINVAL, "cannot overwrite directory {:?} with non-directory", name);
  }
  if (S_ISDIR(st.st_mode)) {
    if (keep_dir) return true;
    TRY(RemoveTree(pfd, name.c_str()));
  } else if (::unlinkat(pfd, name.c_str(), 0) != 0) {
    return FailErrno("remove existing {:?}", name);
  }
  if (S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode)) parent_valid_ = false;
  return false;
}

// openat2 inside the root; -1 with errno on failure. EAGAIN (a rename
// somewhere on the system raced the lookup) is retried.
int Unpacker::OpenInRoot(const std::string& path, int flags) const {
  for (int tries = 0;; ++tries) {
    int fd = sys::OpenAt2(root_.get(), path.c_str(), flags | O_CLOEXEC, kInRoot);
    if (fd >= 0 || errno != EAGAIN || tries == 16) return fd;
  }
}

// The fd of the entry's parent directory, created if missing. Borrowed:
// valid until the next call.
Result<int> Unpacker::Parent(const Components& c) {
  if (c.size() == 1) return root_.get();
  std::string path = Join(c, c.size() - 1);
  if (parent_valid_ && path == parent_path_) return parent_.get();
  parent_ = TRY(OpenOrCreateDir(path));
  parent_path_ = std::move(path);
  parent_valid_ = true;
  return parent_.get();
}

// Tars often list "a/b/c" without "a/" or "a/b/": the missing directories
// are made one at a time, each inside the fd of the one before.
Result<UniqueFd> Unpacker::OpenOrCreateDir(const std::string& path) {
  int fd = OpenInRoot(path, O_RDONLY | O_DIRECTORY);
  if (fd >= 0) return UniqueFd(fd);
  if (errno != ENOENT) return FailErrno("open parent directory {:?}", path);
  UniqueFd cur;
  size_t start = 0;
  for (;;) {
    size_t end = path.find('/', start);
    std::string prefix = path.substr(0, end);
    std::string comp = path.substr(start, end == std::string::npos ? end : end - start);
    int at = cur ? cur.get() : root_.get();
    UniqueFd next(OpenInRoot(prefix, O_RDONLY | O_DIRECTORY));
    if (!next && errno == ENOENT) {
      if (::mkdirat(at, comp.c_str(), 0755) != 0) {
        struct stat st;
        if (errno == EEXIST && ::fstatat(at, comp.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISLNK(st.st_mode))
          return Fail("parent {:?} is a symbolic link to a missing directory", prefix);
        return FailErrno("create parent directory {:?}", prefix);
      }
      next.Reset(::openat(at, comp.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      // 0755 whatever the umask, as docker makes implied parents.
      if (next && ::fchmod(next.get(), 0755) != 0)
        return FailErrno("chmod parent directory {:?}", prefix);
    }
    if (!next) return FailErrno("open parent directory {:?}", prefix);
    cur = std::move(next);
    if (end == std::string::npos) return cur;
    start = end + 1;
  }
}

}  // namespace

Result<UnpackStats> UnpackLayer(const ReadFn& read_compressed, int rootfd,
                                const UnpackOptions& options) {
  Unpacker unpacker(options);
  return unpacker.Run(read_compressed, rootfd);
}

}  // namespace berth::image
