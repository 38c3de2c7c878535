#include "image/platform_select.h"

#include <sys/utsname.h>

#include <algorithm>
#include <string>
#include <vector>

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

Result<spec::Platform> ParsePlatform(std::string_view text) {
  std::vector<std::string> parts;
  for (size_t i = 0;;) {
    size_t j = text.find('/', i);
    parts.emplace_back(text.substr(i, j == std::string_view::npos ? j : j - i));
    if (j == std::string_view::npos) break;
    i = j + 1;
  }
  for (std::string& p : parts) {
    for (char& c : p) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (p.empty()) return FailAs(EINVAL, "invalid platform {:?}: empty component", text);
  }
  if (parts.size() > 3) return FailAs(EINVAL, "invalid platform {:?}: too many components", text);
  spec::Platform host = HostPlatform(), p;
  // One part is an OS ("linux") or, as containerd reads it, an architecture.
  static const char* const kOses[] = {"linux", "windows", "darwin", "freebsd"};
  bool os_first = parts.size() > 1 ||
                  std::find(std::begin(kOses), std::end(kOses), parts[0]) != std::end(kOses);
  if (!os_first) parts.insert(parts.begin(), host.os);
  p.os = parts[0];
  if (parts.size() == 1) return host.os == p.os ? host : spec::Platform{host.architecture, p.os};
  std::string arch = parts[1];
  std::string variant = parts.size() > 2 ? parts[2] : "";
  if (arch == "x86_64" || arch == "x86-64") arch = "amd64";
  if (arch == "i386" || arch == "i686") arch = "386";
  if (arch == "aarch64") arch = "arm64";
  if (arch == "armhf") arch = "arm", variant = variant.empty() ? "v7" : variant;
  if (arch == "armel") arch = "arm", variant = variant.empty() ? "v6" : variant;
  p.architecture = arch;
  p.variant = variant;
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
