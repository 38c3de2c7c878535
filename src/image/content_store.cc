#include "image/content_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "base/fs.h"

namespace berth::image {

namespace {

constexpr int64_t kWritebackChunk = 8 << 20;

Status FsyncDir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd || ::fsync(fd.get()) != 0) return FailErrno("fsync {}", dir);
  return Ok();
}

Status CheckAlgorithm(const Digest& d) {
  if (d.algorithm != "sha256") return Fail("blob {}: only sha256 content is supported", d.String());
  return Ok();
}

}  // namespace

BlobWriter::BlobWriter(BlobWriter&&) noexcept = default;
BlobWriter& BlobWriter::operator=(BlobWriter&&) noexcept = default;
BlobWriter::~BlobWriter() { Abort(); }

void BlobWriter::Abort() {
  if (!temp_path_.empty()) {
    fd_.Reset();
    ::unlink(temp_path_.c_str());
    temp_path_.clear();
  }
}

Status BlobWriter::Write(std::string_view data) {
  if (failed_ || temp_path_.empty()) return Fail("blob {}: writer is closed", want_.String());
  if (want_size_ >= 0 && written_ + static_cast<int64_t>(data.size()) > want_size_) {
    failed_ = true;
    return Fail("blob {}: size mismatch (more than the {} bytes expected)", want_.String(),
                want_size_);
  }
  hash_.Update(data);
  while (!data.empty()) {
    ssize_t n = ::write(fd_.get(), data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      failed_ = true;
      return FailErrno("blob {}: write", want_.String());
    }
    data.remove_prefix(static_cast<size_t>(n));
    written_ += n;
  }
  // Start writing back what is written as it comes, without waiting: the
  // fsync in Commit then finds little left to do, instead of the whole
  // blob at once on the pull's critical path.
  if (written_ - flushed_ >= kWritebackChunk) {
    (void)::sync_file_range(fd_.get(), flushed_, written_ - flushed_, SYNC_FILE_RANGE_WRITE);
    flushed_ = written_;
  }
  return Ok();
}

Status BlobWriter::Commit() {
  if (failed_ || temp_path_.empty()) return Fail("blob {}: writer is closed", want_.String());
  if (want_size_ >= 0 && written_ != want_size_) {
    Abort();
    return Fail("blob {}: size mismatch (got {}, want {})", want_.String(), written_, want_size_);
  }
  Digest got = hash_.Finish();
  if (got != want_) {
    Abort();
    return Fail("blob {}: digest mismatch (got {})", want_.String(), got.String());
  }
  if (::fsync(fd_.get()) != 0) {
    auto e = FailErrno("blob {}: fsync", want_.String());
    Abort();
    return e;
  }
  fd_.Reset();
  std::string dest = blobs_dir_ + "/" + want_.hex;
  if (::rename(temp_path_.c_str(), dest.c_str()) != 0) {
    auto e = FailErrno("blob {}: store", want_.String());
    Abort();
    return e;
  }
  temp_path_.clear();
  return FsyncDir(blobs_dir_);
}

Result<ContentStore> ContentStore::Open(const std::string& dataroot) {
  TRY_CTX(MkdirAll(dataroot + "/blobs/sha256", 0700), "content store");
  TRY_CTX(MkdirAll(dataroot + "/ingest", 0700), "content store");
  return ContentStore(dataroot);
}

std::string ContentStore::PathOf(const Digest& d) const { return root_ + "/blobs/sha256/" + d.hex; }

Result<BlobWriter> ContentStore::Writer(const Digest& digest, int64_t size) const {
  TRY(CheckAlgorithm(digest));
  BlobWriter w;
  w.blobs_dir_ = root_ + "/blobs/sha256";
  w.want_ = digest;
  w.want_size_ = size;
  std::string tmpl = root_ + "/ingest/" + digest.hex.substr(0, 12) + "-XXXXXX";
  int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) return FailErrno("blob {}: create an ingest file", digest.String());
  ::fchmod(fd, 0600);
  w.fd_.Reset(fd);
  w.temp_path_ = tmpl;
  return w;
}

Status ContentStore::Put(const Digest& digest, std::string_view data) const {
  if (Exists(digest)) return Ok();
  auto w = TRY(Writer(digest, static_cast<int64_t>(data.size())));
  TRY(w.Write(data));
  return w.Commit();
}

bool ContentStore::Exists(const Digest& d) const {
  struct stat st;
  return d.algorithm == "sha256" && ::stat(PathOf(d).c_str(), &st) == 0;
}

Result<int64_t> ContentStore::Size(const Digest& d) const {
  struct stat st;
  if (::stat(PathOf(d).c_str(), &st) != 0) return FailErrno("blob {}", d.String());
  return static_cast<int64_t>(st.st_size);
}

Result<std::string> ContentStore::Read(const Digest& d, int64_t max_size) const {
  int64_t size = TRY(Size(d));
  if (size > max_size)
    return Fail("blob {}: {} bytes is too large to read whole", d.String(), size);
  return TRY_CTX(ReadFile(PathOf(d)), "blob {}", d.String());
}

Result<UniqueFd> ContentStore::OpenBlob(const Digest& d) const {
  UniqueFd fd(::open(PathOf(d).c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return FailErrno("blob {}", d.String());
  return fd;
}

Status ContentStore::Delete(const Digest& d) const {
  if (::unlink(PathOf(d).c_str()) != 0 && errno != ENOENT)
    return FailErrno("blob {}: remove", d.String());
  return Ok();
}

Result<std::vector<Digest>> ContentStore::List() const {
  std::vector<Digest> out;
  std::string dir = root_ + "/blobs/sha256";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return FailErrno("content store: list {}", dir);
  while (dirent* e = ::readdir(d))
    if (auto dg = ParseDigest(std::string("sha256:") + e->d_name)) out.push_back(*dg);
  ::closedir(d);
  return out;
}

Result<int> ContentStore::CleanupIngests() const {
  std::string dir = root_ + "/ingest";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return FailErrno("content store: list {}", dir);
  int n = 0;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    if (::unlinkat(dirfd(d), name.c_str(), 0) == 0) n++;
  }
  ::closedir(d);
  return n;
}

}  // namespace berth::image
