#include "engine/tree_tar.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/fs.h"
#include "base/unique_fd.h"

namespace berth::engine {

namespace {

using WriteFn = std::function<Status(std::string_view)>;
using EntryPtr = std::unique_ptr<archive_entry, void (*)(archive_entry*)>;

// The names in the directory open as `dirfd`, in bytewise order.

class TreeTar {
 public:
  TreeTar(const WriteFn& write, const TreeTarOptions& options)
      : write_(write), options_(options), a_(archive_write_new()) {}
  ~TreeTar() { archive_write_free(a_); }

  // `name` empty: the entries under `dirfd`; else that entry (as
  // `archive_name`) and what it holds.
  Status Run(int dirfd, const std::string& name = "", const std::string& archive_name = "") {
    if (a_ == nullptr) return Fail("tar writer: out of memory");
    archive_write_set_format_pax_restricted(a_);
    // Bytes go to `write` as libarchive fills its blocks, of 128 KiB (not
    // its 10 KiB default: fewer writes to the sink, an HTTP chunk or a
    // pipe, for big files); no padding of the last block beyond tar's own.
    archive_write_set_bytes_per_block(a_, 128 << 10);
    archive_write_set_bytes_in_last_block(a_, 1);
    if (archive_write_open(a_, this, nullptr, &TreeTar::OnWrite, nullptr) != ARCHIVE_OK)
      return Failed("open the tar writer");
    if (name.empty()) {
      TRY(WalkDir(dirfd, ""));
    } else {
      struct stat st;
      if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        return FailErrno("stat {}", archive_name);
      TRY(AddEntry(dirfd, name, archive_name));
    }
    if (archive_write_close(a_) != ARCHIVE_OK) return Failed("finish the tar stream");
    return Ok();
  }

 private:
  static la_ssize_t OnWrite(archive*, void* self, const void* buf, size_t n) {
    auto* t = static_cast<TreeTar*>(self);
    if (t->error_) return -1;  // the sink failed before: never write to it again
    Status st = t->write_(std::string_view(static_cast<const char*>(buf), n));
    if (!st) {
      t->error_ = st.error();
      return -1;
    }
    return static_cast<la_ssize_t>(n);
  }

  // The sink's own error if it failed, else libarchive's.
  Status Failed(const std::string& what) {
    if (error_) return std::unexpected(*error_);
    const char* msg = archive_error_string(a_);
    return Fail("{}: {}", what, msg ? msg : "tar write failed");
  }

  // Every entry of the directory open as `dirfd`, whose archive name is
  // `prefix` ("" for the root, else "etc/").
  Status WalkDir(int dirfd, const std::string& prefix) {
    for (const std::string& name : TRY(ListDirAt(dirfd, prefix.empty() ? "." : prefix)))
      TRY(AddEntry(dirfd, name, prefix + name));
    return Ok();
  }

  // An entry header from `st`, named `path` (directories get their "/").
  EntryPtr Header(const std::string& path, const struct stat& st) {
    EntryPtr e(archive_entry_new(), archive_entry_free);
    archive_entry_copy_stat(e.get(), &st);
    archive_entry_set_pathname(e.get(), (S_ISDIR(st.st_mode) ? path + "/" : path).c_str());
    if (!S_ISREG(st.st_mode)) archive_entry_set_size(e.get(), 0);
    // Only the fields docker export writes: no atime, ctime, dev or ino.
    archive_entry_unset_atime(e.get());
    archive_entry_unset_ctime(e.get());
    archive_entry_unset_birthtime(e.get());
    archive_entry_set_nlink(e.get(), 1);
    if (st.st_uid == 0) archive_entry_set_uname(e.get(), "root");
    if (st.st_gid == 0) archive_entry_set_gname(e.get(), "root");
    return e;
  }

  // security.capability of an open file (file capabilities, as docker
  // export keeps them); other xattrs are not exported, as by docker.
  void AddCapability(archive_entry* e, int fd) {
    char buf[256];
    ssize_t n = ::fgetxattr(fd, "security.capability", buf, sizeof buf);
    if (n > 0) archive_entry_xattr_add_entry(e, "security.capability", buf, static_cast<size_t>(n));
  }

  Status WriteHeader(archive_entry* e, const std::string& path) {
    if (archive_write_header(a_, e) != ARCHIVE_OK) return Failed(path);
    return Ok();
  }

  // A hard link to an inode written before, or nullopt (and the name noted
  // as the inode's first when it has other names).
  std::optional<std::string> LinkTarget(const struct stat& st, const std::string& path) {
    if (S_ISDIR(st.st_mode) || st.st_nlink < 2) return std::nullopt;
    auto key = std::make_pair(st.st_dev, st.st_ino);
    auto it = inodes_.find(key);
    if (it != inodes_.end()) return it->second;
    inodes_.emplace(key, path);
    return std::nullopt;
  }

  Status AddEntry(int dirfd, const std::string& name, const std::string& path) {
    struct stat st;
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) return Ok();  // removed during the walk
      return FailErrno("stat {}", path);
    }
    if (S_ISDIR(st.st_mode)) return AddDir(dirfd, name, path);
    if (S_ISREG(st.st_mode)) return AddFile(dirfd, name, path);
    if (S_ISSOCK(st.st_mode)) return Ok();
    if (options_.overlay_whiteouts && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
      return AddWhiteout(st, WhiteoutName(path, ".wh." + name));
    if (auto target = LinkTarget(st, path)) return AddHardLink(st, path, *target);
    EntryPtr e = Header(path, st);
    if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<size_t>(std::max<off_t>(st.st_size, 0)) + 1, '\0');
      ssize_t n = ::readlinkat(dirfd, name.c_str(), target.data(), target.size());
      if (n < 0 && (errno == ENOENT || errno == EINVAL)) return Ok();  // changed meanwhile
      if (n < 0) return FailErrno("read link {}", path);
      // A link whose target grew between stat and read is read again whole.
      if (static_cast<size_t>(n) == target.size()) {
        target.assign(PATH_MAX, '\0');
        n = ::readlinkat(dirfd, name.c_str(), target.data(), target.size());
        if (n < 0) return FailErrno("read link {}", path);
      }
      target.resize(static_cast<size_t>(n));
      archive_entry_set_symlink(e.get(), target.c_str());
    }
    // Devices and fifos: the header says all (rdev came with the stat).
    return WriteHeader(e.get(), path);
  }

  Status AddHardLink(const struct stat& st, const std::string& path, const std::string& target) {
    EntryPtr e = Header(path, st);
    archive_entry_set_hardlink(e.get(), target.c_str());
    archive_entry_set_size(e.get(), 0);
    return WriteHeader(e.get(), path);
  }

  Status AddDir(int dirfd, const std::string& name, const std::string& path) {
    UniqueFd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
      // Gone, or swapped for a link or file since the stat: not followed.
      if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR) return Ok();
      return FailErrno("open directory {}", path);
    }
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) return FailErrno("stat {}", path);
    EntryPtr e = Header(path, st);
    AddCapability(e.get(), fd.get());
    TRY(WriteHeader(e.get(), path));
    if (options_.overlay_whiteouts && IsOpaque(fd.get()))
      TRY(AddWhiteout(st, path + "/.wh..wh..opq"));
    return WalkDir(fd.get(), path + "/");
  }

  // Overlay marks a directory that hides the layers' one below it with
  // this xattr (user.* when mounted with userxattr).
  static bool IsOpaque(int fd) {
    for (const char* key : {"trusted.overlay.opaque", "user.overlay.opaque"}) {
      char v[4];
      ssize_t n = ::fgetxattr(fd, key, v, sizeof v);
      if (n == 1 && v[0] == 'y') return true;
    }
    return false;
  }

  // The archive name of a whiteout for `path`, whose last component is
  // replaced by `wh_name`.
  static std::string WhiteoutName(const std::string& path, const std::string& wh_name) {
    size_t slash = path.rfind('/');
    return slash == std::string::npos ? wh_name : path.substr(0, slash + 1) + wh_name;
  }

  // An empty regular file, as docker writes whiteouts (owner and times of
  // the object that stands for it).
  Status AddWhiteout(const struct stat& of, const std::string& path) {
    struct stat st = of;
    st.st_mode = S_IFREG | 0;
    st.st_size = 0;
    st.st_nlink = 1;
    EntryPtr e = Header(path, st);
    return WriteHeader(e.get(), path);
  }

  Status AddFile(int dirfd, const std::string& name, const std::string& path) {
    // O_NONBLOCK: a file swapped for a fifo must not block the open.
    UniqueFd fd(
        ::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    if (!fd) {
      if (errno == ENOENT || errno == ELOOP) return Ok();  // changed since the stat
      return FailErrno("open {}", path);
    }
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) return FailErrno("stat {}", path);
    if (!S_ISREG(st.st_mode)) return Ok();  // swapped for something else meanwhile
    if (auto target = LinkTarget(st, path)) return AddHardLink(st, path, *target);
    EntryPtr e = Header(path, st);
    AddCapability(e.get(), fd.get());
    TRY(WriteHeader(e.get(), path));
    // Exactly st_size bytes: a file that grows meanwhile is cut there, one
    // that shrinks is padded with zeros (libarchive pads a short entry).
    std::string buf(1 << 16, '\0');
    int64_t left = st.st_size;
    while (left > 0) {
      size_t want = static_cast<size_t>(std::min<int64_t>(left, static_cast<int64_t>(buf.size())));
      ssize_t n = ::read(fd.get(), buf.data(), want);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return FailErrno("read {}", path);
      if (n == 0) break;
      for (std::string_view data(buf.data(), static_cast<size_t>(n)); !data.empty();) {
        la_ssize_t w = archive_write_data(a_, data.data(), data.size());
        if (w <= 0) return Failed(path);
        data.remove_prefix(static_cast<size_t>(w));
      }
      left -= n;
    }
    return Ok();
  }

  const WriteFn& write_;
  TreeTarOptions options_;
  archive* a_;
  std::optional<Error> error_;
  std::map<std::pair<dev_t, ino_t>, std::string> inodes_;  // first name of each linked inode
};

}  // namespace

Status WriteTreeTar(int root_dirfd, const std::function<Status(std::string_view)>& write) {
  TreeTar t(write, {});
  return t.Run(root_dirfd);
}

Status WriteEntryTar(int dirfd, const std::string& name, const std::string& archive_name,
                     const std::function<Status(std::string_view)>& write,
                     const TreeTarOptions& options) {
  TreeTar t(write, options);
  if (archive_name.empty()) return t.Run(dirfd);
  return t.Run(dirfd, name, archive_name);
}

}  // namespace berth::engine
