#include "image/platform_select.h"

#include <sys/utsname.h>

#include <string>

namespace berth::image {

spec::Platform HostPlatform() {
  spec::Platform p;
  p.os = "linux";
  struct utsname u {};
  std::string machine = ::uname(&u) == 0 ? u.machine : "x86_64";
  // GOARCH names, as image indexes spell architectures.
  if (machine == "x86_64")
    p.architecture = "amd64";
  else if (machine == "aarch64") {
    p.architecture = "arm64";
    p.variant = "v8";
  } else if (machine.starts_with("armv7")) {
    p.architecture = "arm";
    p.variant = "v7";
  } else if (machine == "i686" || machine == "i386")
    p.architecture = "386";
  else
    p.architecture = machine;  // s390x, ppc64le, riscv64 are spelled alike
  return p;
}

Result<spec::Descriptor> SelectPlatform(const spec::Index& index, const spec::Platform& want) {
  const spec::Descriptor* loose = nullptr;
  std::string available;
  for (const spec::Descriptor& d : index.manifests) {
    if (!d.platform || d.platform->os == "unknown") continue;
    const spec::Platform& p = *d.platform;
    if (!available.empty()) available += ", ";
    available += p.String();
    if (p.os != want.os || p.architecture != want.architecture) continue;
    if (p.variant == want.variant) return d;
    // arm64 images rarely say "v8"; a missing variant matches loosely.
    if ((p.variant.empty() || want.variant.empty()) && !loose) loose = &d;
  }
  if (loose) return *loose;
  return Fail("no matching manifest for {} in the manifest list entries (available: {})",
              want.String(), available.empty() ? "none" : available);
}

}  // namespace berth::image
