// berth cp [-a] [-L] CONTAINER:SRC DEST|-   and   berth cp [-a] [-L] SRC|- CONTAINER:DEST:
// docker cp over HEAD/GET/PUT /containers/{id}/archive, with the docker
// CLI's rules for where things land (pkg/archive's CopyTo and
// PrepareArchiveCopy): a directory destination receives the source under
// its own name ("/." sends the contents), a missing one becomes the copy,
// an existing file is replaced by a file.
//
// The local side reads and writes tar with libarchive. A tar from the
// daemon is untrusted: it is extracted with libarchive's secure flags (no
// "..", no absolute names, nothing written through a symlink) relative to
// the destination directory, and never chowned (as the docker CLI).
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "base/unique_fd.h"
#include "cli/client/container_each.h"

namespace berth::cli {

namespace {

struct CpStat {
  bool exists = false, is_dir = false, is_link = false;
  uint32_t mode = 0;
  std::string link_target;
};

constexpr uint32_t kGoDir = 1u << 31, kGoLink = 1u << 27;
constexpr uint32_t kGoIrregular = (1u << 26) | (1u << 25) | (1u << 24) | (1u << 21) | (1u << 19);

// docker's splitCpArg: an absolute path, or one whose part before ':'
// starts with '.', is local.
std::pair<std::string, std::string> SplitCpArg(const std::string& arg) {
  if (arg.starts_with("/")) return {"", arg};
  size_t colon = arg.find(':');
  if (colon == std::string::npos || arg.starts_with(".")) return {"", arg};
  return {arg.substr(0, colon), arg.substr(colon + 1)};
}

bool EndsWithDot(const std::string& p) { return p == "." || p.ends_with("/."); }
bool AssertsDirectory(const std::string& p) { return p.ends_with("/") || EndsWithDot(p); }

// pkg/archive's SplitPathDirEntry: the parent and the last component of a
// cleaned path ("." for one ending in "/.").
std::pair<std::string, std::string> SplitDirEntry(std::string p) {
  bool dot = EndsWithDot(p);
  while (p.size() > 1 && p.ends_with("/")) p.pop_back();
  if (dot) {
    p = p == "." ? "." : p.substr(0, p.size() - 2);
    if (p.empty()) p = "/";
    return {p, "."};
  }
  if (p == "/") return {"/", "/"};
  size_t slash = p.rfind('/');
  if (slash == std::string::npos) return {".", p};
  return {slash == 0 ? "/" : p.substr(0, slash), p.substr(slash + 1)};
}

// An archive name's top component `from` replaced by `to`.
std::string Rebase(const std::string& name, const std::string& from, const std::string& to) {
  if (from.empty() || from == to) return name;
  if (from == "/") return to + "/" + name;
  if (name == from) return to;
  if (name.starts_with(from + "/")) return to + name.substr(from.size());
  return name;
}

void PrintNotFound(const std::string& container, const std::string& path) {
  std::fprintf(stderr, "Error: No such container:path: %s:%s\n", container.c_str(), path.c_str());
}

// HEAD /archive: the path's stat; exists=false on 404.
Result<CpStat> StatInContainer(ClientOptions& o, const std::string& container,
                               const std::string& path, ApiResponse* err) {
  auto r = o.Client().Call("HEAD", ContainerPath(container) + "/archive?path=" + UrlEncode(path));
  if (!r) return std::unexpected(r.error());
  CpStat s;
  if (r->status == 404) return s;
  if (r->status / 100 != 2) {
    *err = *r;
    return Fail("stat");
  }
  auto it = r->headers.find("x-docker-container-path-stat");
  if (it == r->headers.end())
    return Fail("the daemon sent no path stat for {}:{}", container, path);
  auto text = TRY(Base64Decode(it->second));
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return Fail("the daemon's path stat for {}:{} is not JSON", container, path);
  s.exists = true;
  if (j.contains("mode") && j["mode"].is_number_unsigned()) s.mode = j["mode"].get<uint32_t>();
  s.is_dir = (s.mode & kGoDir) != 0;
  s.is_link = (s.mode & kGoLink) != 0;
  if (j.contains("linkTarget") && j["linkTarget"].is_string())
    s.link_target = j["linkTarget"].get<std::string>();
  return s;
}

std::string ArchiveError(archive* a, const std::string& what) {
  const char* m = archive_error_string(a);
  std::string out = what + ": " + (m ? m : "tar error");
  // Some of libarchive's messages leave the cause out ("Can't open `x'").
  if (int e = archive_errno(a); e > 0) {
    std::string cause = std::strerror(e);
    if (out.find(cause) == std::string::npos) out += ": " + cause;
  }
  return out;
}

// Where ExtractLocal's archive comes from: the response body, read into
// one buffer that libarchive then reads in place. A failure of the read
// is kept to be reported as itself.
struct TarFeed {
  ResponseBody* body;
  std::vector<char> buf = std::vector<char>(size_t{1} << 17);
  Status failed = Ok();
};

la_ssize_t ReadFromBody(archive* a, void* ctx, const void** out) {
  auto* feed = static_cast<TarFeed*>(ctx);
  auto n = feed->body->ReadSome(feed->buf.data(), feed->buf.size());
  if (!n) {
    feed->failed = std::unexpected(n.error());
    archive_set_error(a, EIO, "%s", n.error().message().c_str());
    return -1;
  }
  *out = feed->buf.data();
  return static_cast<la_ssize_t>(*n);
}

// Extracts the tar read from `body` under the directory `dst_dir`, each
// entry's top component `from` renamed `to`.
Status ExtractLocal(ResponseBody& body, const std::string& dst_dir, const std::string& from,
                    const std::string& to) {
  UniqueFd dir(::open(dst_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return FailErrno("open {}", dst_dir);
  // Names are relative to the destination: the secure flags then refuse
  // anything that would leave it.
  if (::fchdir(dir.get()) != 0) return FailErrno("chdir {}", dst_dir);
  archive* in = archive_read_new();
  archive* out = archive_write_disk_new();
  archive_read_support_format_tar(in);
  archive_write_disk_set_options(
      out, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
               ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS |
               ARCHIVE_EXTRACT_UNLINK);
  Status st = Ok();
  TarFeed feed{&body};
  if (archive_read_open(in, &feed, nullptr, ReadFromBody, nullptr) != ARCHIVE_OK) {
    st = Fail("{}", ArchiveError(in, "read the archive"));
  }
  archive_entry* e;
  while (st) {
    int r = archive_read_next_header(in, &e);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      st = Fail("{}", ArchiveError(in, "read the archive"));
      break;
    }
    std::string name = Rebase(archive_entry_pathname(e), from, to);
    archive_entry_set_pathname(e, name.c_str());
    if (const char* h = archive_entry_hardlink(e)) {
      std::string target = Rebase(h, from, to);
      archive_entry_set_hardlink(e, target.c_str());
    }
    if (archive_write_header(out, e) < ARCHIVE_WARN) {
      st = Fail("{}", ArchiveError(out, name));
      break;
    }
    const void* buf;
    size_t len;
    la_int64_t off;
    for (;;) {
      int d = archive_read_data_block(in, &buf, &len, &off);
      if (d == ARCHIVE_EOF) break;
      if (d < ARCHIVE_WARN) {
        st = Fail("{}", ArchiveError(in, name));
        break;
      }
      if (archive_write_data_block(out, buf, len, off) < ARCHIVE_WARN) {
        st = Fail("{}", ArchiveError(out, name));
        break;
      }
    }
    if (st && archive_write_finish_entry(out) < ARCHIVE_WARN)
      st = Fail("{}", ArchiveError(out, name));
  }
  if (st && archive_write_close(out) != ARCHIVE_OK) st = Fail("{}", ArchiveError(out, "finish"));
  archive_read_free(in);
  archive_write_free(out);
  if (!feed.failed) return feed.failed;  // the daemon's stream broke
  return st;
}

// Where TarLocal's archive goes: each block libarchive finishes is handed to
// `send` (one chunk of the PUT); a failure of `send` is kept to be
// reported as itself, not as libarchive's "write error".
struct TarSink {
  const std::function<Status(std::string_view)>* send;
  Status failed = Ok();
};

la_ssize_t WriteToSink(archive* a, void* ctx, const void* data, size_t len) {
  auto* sink = static_cast<TarSink*>(ctx);
  sink->failed = (*sink->send)(std::string_view(static_cast<const char*>(data), len));
  if (!sink->failed) {
    archive_set_error(a, EPIPE, "%s", sink->failed.error().message().c_str());
    return -1;
  }
  return static_cast<la_ssize_t>(len);
}

// The size of the blocks TarLocal hands on: few large chunks, not tar's
// 10 KiB records (a write and a chunk header each).
constexpr int kTarBlock = 1 << 17;

// Writes a tar of the local `src` (its top named `top`, every name's top
// component then renamed `to`) to `send`, block by block.
Status TarLocal(const std::string& src, bool follow, const std::string& to,
                const std::function<Status(std::string_view)>& send) {
  // The walk starts in the source's parent at its name ("dir/." and "/":
  // in the directory itself at "."), so names come out as docker's
  // TarResource writes them: "base", "base/x" (or ".", "./x").
  auto [parent, base] = SplitDirEntry(src);
  std::string top = base, open_name = base;
  if (base == "." || base == "/") top = open_name = ".";
  if (::chdir(parent.c_str()) != 0) return FailErrno("chdir {}", parent);
  archive* disk = archive_read_disk_new();
  archive* out = archive_write_new();
  archive_write_set_format_pax_restricted(out);
  archive_write_set_bytes_per_block(out, kTarBlock);
  archive_write_set_bytes_in_last_block(out, 1);
  archive_read_disk_set_behavior(
      disk, ARCHIVE_READDISK_NO_XATTR | ARCHIVE_READDISK_NO_ACL | ARCHIVE_READDISK_NO_FFLAGS);
  if (follow) {
    archive_read_disk_set_symlink_hybrid(disk);
  } else {
    archive_read_disk_set_symlink_physical(disk);
  }
  Status st = Ok();
  TarSink sink{&send};
  if (archive_write_open2(out, &sink, nullptr, WriteToSink, nullptr, nullptr) != ARCHIVE_OK)
    st = Fail("{}", ArchiveError(out, "tar"));
  if (st && archive_read_disk_open(disk, open_name.c_str()) != ARCHIVE_OK)
    st = Fail("{}", ArchiveError(disk, src));
  std::vector<char> buf(kTarBlock);
  while (st) {
    archive_entry* e = archive_entry_new();
    int r = archive_read_next_header2(disk, e);
    if (r == ARCHIVE_EOF) {
      archive_entry_free(e);
      break;
    }
    if (r < ARCHIVE_WARN) {
      st = Fail("{}", ArchiveError(disk, src));
      archive_entry_free(e);
      break;
    }
    archive_read_disk_descend(disk);
    std::string name = archive_entry_pathname(e);
    name = Rebase(name, top, to);
    if (archive_entry_filetype(e) == AE_IFDIR && !name.ends_with("/")) name += "/";
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_nlink(e, 1);
    if (archive_entry_filetype(e) == AE_IFSOCK) {
      archive_entry_free(e);
      continue;
    }
    if (archive_write_header(out, e) < ARCHIVE_WARN) st = Fail("{}", ArchiveError(out, name));
    if (st && archive_entry_filetype(e) == AE_IFREG) {
      for (;;) {
        la_ssize_t n = archive_read_data(disk, buf.data(), buf.size());
        if (n == 0) break;
        if (n < 0) {
          st = Fail("{}", ArchiveError(disk, name));
          break;
        }
        if (archive_write_data(out, buf.data(), static_cast<size_t>(n)) < 0) {
          st = Fail("{}", ArchiveError(out, name));
          break;
        }
      }
    }
    archive_entry_free(e);
  }
  if (st && archive_write_close(out) != ARCHIVE_OK) st = Fail("{}", ArchiveError(out, "tar"));
  archive_read_free(disk);
  archive_write_free(out);
  if (!sink.failed) return sink.failed;  // the daemon stopped reading
  return st;
}

int CopyFromContainer(ClientOptions& o, const std::string& container, std::string src,
                      std::string dst, bool follow) {
  std::string rebase_name;
  ApiResponse err;
  if (follow) {
    auto s = StatInContainer(o, container, src, &err);
    if (!s) return err.status ? DaemonError(err) : LocalError(s.error());
    if (s->exists && s->is_link) {
      std::string target = s->link_target;
      if (!target.starts_with("/")) target = SplitDirEntry(src).first + "/" + target;
      rebase_name = SplitDirEntry(src).second;
      if (AssertsDirectory(src)) target += EndsWithDot(src) ? "/." : "/";
      src = target;
    }
  }
  std::string path = ContainerPath(container) + "/archive?path=" + UrlEncode(src);
  if (dst == "-") {
    auto r = o.Client().Download("GET", path, 1);
    if (!r) return LocalError(r.error());
    if (r->status == 404) return PrintNotFound(container, src), 1;
    return r->status / 100 == 2 ? 0 : DaemonError(*r);
  }
  // Where it lands: the destination's parent must exist (the docker CLI's
  // ValidateOutputPath).
  struct stat dst_st;
  bool dst_exists = ::stat(dst.c_str(), &dst_st) == 0;
  auto [dst_parent, dst_base] = SplitDirEntry(dst);
  if (!dst_exists) {
    struct stat pst;
    if (::stat(dst_parent.c_str(), &pst) != 0 || !S_ISDIR(pst.st_mode)) {
      std::fprintf(stderr, "invalid output path: directory \"%s\" does not exist\n",
                   dst_parent.c_str());
      return 1;
    }
  }
  auto s = StatInContainer(o, container, src, &err);
  if (!s) return err.status ? DaemonError(err) : LocalError(s.error());
  if (!s->exists) return PrintNotFound(container, src), 1;
  std::string src_base = SplitDirEntry(src).second;
  if (src_base == "/") src_base = ".";  // the daemon names the root "."
  std::string from = src_base, to = rebase_name.empty() ? src_base : rebase_name;
  std::string dst_dir;
  if (dst_exists && S_ISDIR(dst_st.st_mode)) {
    dst_dir = dst;
  } else if (dst_exists && s->is_dir) {
    std::fprintf(stderr, "cannot copy directory\n");
    return 1;
  } else if (!dst_exists && !s->is_dir && AssertsDirectory(dst)) {
    std::fprintf(stderr, "no such directory\n");
    return 1;
  } else {
    dst_dir = dst_parent;
    to = dst_base;
  }
  auto body = o.Client().Open("GET", path);
  if (!body) return LocalError(body.error());
  if (body->response.status == 404) return PrintNotFound(container, src), 1;
  if (body->response.status / 100 != 2) return DaemonError(body->response);
  Status x = ExtractLocal(*body, dst_dir, from, to);
  if (!x) return LocalError(x.error());
  return 0;
}

int CopyToContainer(ClientOptions& o, const std::string& src, const std::string& container,
                    const std::string& dst, bool follow, bool archive_mode) {
  ApiResponse err;
  std::string dst_path = dst;
  auto ds = StatInContainer(o, container, dst, &err);
  if (!ds) return err.status ? DaemonError(err) : LocalError(ds.error());
  if (ds->exists && ds->is_link) {
    std::string target = ds->link_target;
    if (!target.starts_with("/")) target = SplitDirEntry(dst).first + "/" + target;
    dst_path = target;
    ds = StatInContainer(o, container, target, &err);
    if (!ds) return err.status ? DaemonError(err) : LocalError(ds.error());
  }
  if (ds->exists && !ds->is_dir && (ds->mode & kGoIrregular)) {
    std::fprintf(stderr, "destination \"%s:%s\" must be a directory or a regular file\n",
                 container.c_str(), dst.c_str());
    return 1;
  }
  std::string put_dir;
  ApiClient::BodyProducer tar;  // empty: the tar comes from stdin
  if (src == "-") {
    if (!ds->is_dir) {
      std::fprintf(stderr, "destination \"%s:%s\" must be a directory\n", container.c_str(),
                   dst.c_str());
      return 1;
    }
    put_dir = dst_path;
  } else {
    struct stat sst;
    int rc = follow ? ::stat(src.c_str(), &sst) : ::lstat(src.c_str(), &sst);
    if (rc != 0) {
      std::fprintf(stderr, "lstat %s: %s\n", src.c_str(), std::strerror(errno));
      return 1;
    }
    bool src_dir = S_ISDIR(sst.st_mode);
    std::string src_base = SplitDirEntry(src).second;
    std::string to = src_base;
    if (ds->exists && ds->is_dir) {
      put_dir = dst_path;
    } else if (ds->exists && src_dir) {
      std::fprintf(stderr, "cannot copy directory\n");
      return 1;
    } else if (!ds->exists && !src_dir && AssertsDirectory(dst_path)) {
      std::fprintf(stderr, "no such directory\n");
      return 1;
    } else {
      auto [parent, base] = SplitDirEntry(dst_path);
      put_dir = parent;
      to = base;
    }
    tar = [&, to](const auto& send) { return TarLocal(src, follow, to, send); };
  }
  std::string q = ContainerPath(container) + "/archive?path=" + UrlEncode(put_dir) +
                  "&noOverwriteDirNonDir=true" + (archive_mode ? "&copyUIDGID=true" : "");
  auto ignore = [](std::string_view) { return Ok(); };
  auto r = tar ? o.Client().UploadFrom("PUT", q, tar, ignore)
               : o.Client().Upload("PUT", q, STDIN_FILENO, ignore);
  if (!r) return LocalError(r.error());
  if (r->status == 404) return PrintNotFound(container, put_dir), 1;
  if (r->status / 100 != 2) return DaemonError(*r);
  return 0;
}

}  // namespace

void AddCpCommand(CLI::App& parent, ClientOptions& o, ClientAction* a) {
  struct Flags {
    std::string src, dst;
    bool archive = false, follow = false;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = parent.add_subcommand(
      "cp", "Copy files/folders between a container and the local filesystem");
  cmd->add_option("SRC", f->src, "CONTAINER:SRC_PATH or SRC_PATH|-")->required();
  cmd->add_option("DEST", f->dst, "DEST_PATH|- or CONTAINER:DEST_PATH")->required();
  cmd->add_flag("-a,--archive", f->archive, "Archive mode (copy all uid/gid information)");
  cmd->add_flag("-L,--follow-link", f->follow, "Always follow symbol link in SRC_PATH");
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      auto [src_ctr, src_path] = SplitCpArg(f->src);
      auto [dst_ctr, dst_path] = SplitCpArg(f->dst);
      if (src_ctr.empty() && dst_ctr.empty()) {
        std::fprintf(stderr, "must specify at least one container source\n");
        return 1;
      }
      if (!src_ctr.empty() && !dst_ctr.empty()) {
        std::fprintf(stderr, "copying between containers is not supported\n");
        return 1;
      }
      if (!src_ctr.empty()) return CopyFromContainer(o, src_ctr, src_path, dst_path, f->follow);
      return CopyToContainer(o, src_path, dst_ctr, dst_path, f->follow, f->archive);
    };
  });
}

}  // namespace berth::cli
