// A layer blob from a registry or an image archive is unpacked as root into
// the image store, so a tar entry that lands outside its layer directory
// writes to the host. layer_unpack.cc claims every path is confined to the
// root (".." refused, parents resolved with RESOLVE_IN_ROOT, last
// components created with O_NOFOLLOW / AT_SYMLINK_NOFOLLOW).
// Property: for any bytes, unpacking into a fresh directory neither crashes
// nor creates anything outside that directory. A sibling "marker"
// directory next to the root stands for the rest of the host: an escape by
// "../", by an absolute symlink target or by a hard link is most likely to
// show up there, and the parent directory must hold only the two.
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "image/layer_unpack.h"

namespace {

int RemoveOne(const char* path, const struct stat*, int, struct FTW*) {
  // The layer may leave directories without write or search permission;
  // as root that does not stop the removal, and rootless runs have nothing
  // to gain from chmod-ing either, so errors are only reported below.
  return ::remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

// Depth-first, not following symlinks, staying on this file system.
void RemoveTree(const std::string& path) {
  if (::nftw(path.c_str(), RemoveOne, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) != 0) {
    std::fprintf(stderr, "layer_tar: cannot remove %s: %s\n", path.c_str(), std::strerror(errno));
    std::abort();
  }
}

// The names in `dir`, "." and ".." left out.
std::vector<std::string> List(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) std::abort();  // gone or replaced: an escape removed it
  while (dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A fresh parent per input: parent/root is where the layer goes,
  // parent/marker is what it must not reach.
  char tmpl[] = "/tmp/berth-fuzz-layer-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) std::abort();
  std::string parent = tmpl;
  std::string root = parent + "/root";
  std::string marker = parent + "/marker";
  if (::mkdir(root.c_str(), 0755) != 0 || ::mkdir(marker.c_str(), 0755) != 0) std::abort();
  int rootfd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) std::abort();

  size_t offset = 0;
  berth::image::ReadFn read = [&](char* buf, size_t len) -> berth::Result<size_t> {
    size_t n = std::min(len, size - offset);
    if (n > 0) std::memcpy(buf, data + offset, n);
    offset += n;
    return n;
  };
  berth::image::UnpackOptions options;
  options.layer = "fuzz";
  // Small enough that a decompression bomb costs little time per input.
  options.max_uncompressed_bytes = uint64_t{16} << 20;
  options.rootless = ::geteuid() != 0;
  auto stats = berth::image::UnpackLayer(read, rootfd, options);
  if (!stats && stats.error().What().empty()) std::abort();  // refusals say why
  ::close(rootfd);

  if (!List(marker).empty()) {
    std::fprintf(stderr, "layer_tar: an entry was created in %s\n", marker.c_str());
    std::abort();
  }
  if (List(parent) != std::vector<std::string>{"marker", "root"}) {
    std::fprintf(stderr, "layer_tar: an entry was created in %s\n", parent.c_str());
    std::abort();
  }
  RemoveTree(parent);
  return 0;
}
