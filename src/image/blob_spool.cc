#include "image/blob_spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace berth::image {

Result<SpooledBlob> SpooledBlob::Create(const ContentStore& store) {
  // The store keeps blobs at <dataroot>/blobs/sha256/<hex> and temp files
  // in <dataroot>/ingest (its documented layout): spool beside its own.
  std::string blobs = store.PathOf(Digest{"sha256", ""});
  std::string tmpl =
      blobs.substr(0, blobs.size() - std::string("blobs/sha256/").size()) + "ingest/spool-XXXXXX";
  int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) return FailErrno("create a spool file in {}", tmpl);
  ::unlink(tmpl.c_str());
  SpooledBlob b;
  b.fd_.Reset(fd);
  return b;
}

Status SpooledBlob::Write(std::string_view data) {
  hash_.Update(data);
  size_ += static_cast<int64_t>(data.size());
  while (!data.empty()) {
    ssize_t n = ::write(fd_.get(), data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return FailErrno("spool: write");
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Ok();
}

Digest SpooledBlob::Finish() {
  digest_ = hash_.Finish();
  return digest_;
}

Status SpooledBlob::Store(const ContentStore& store) {
  if (store.Exists(digest_)) return Ok();
  auto w = TRY(store.Writer(digest_, size_));
  std::string buf(1 << 20, '\0');
  for (off_t off = 0;;) {
    ssize_t n = ::pread(fd_.get(), buf.data(), buf.size(), off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return FailErrno("blob {}: read the spool file", digest_.String());
    }
    if (n == 0) break;
    TRY(w.Write(std::string_view(buf.data(), static_cast<size_t>(n))));
    off += n;
  }
  return w.Commit();
}

}  // namespace berth::image
