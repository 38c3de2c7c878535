#include "engine/capabilities.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "base/fs.h"
#include "spec/runtime_spec.h"

namespace berth::engine {
namespace {

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

void AddOnce(std::vector<std::string>* v, const std::string& s) {
  if (s != "ALL" && !Contains(*v, s)) v->push_back(s);
}

}  // namespace

Result<std::string> NormalizeCapability(std::string_view name) {
  std::string n;
  for (char c : name)
    if (!std::isspace(static_cast<unsigned char>(c)))
      n += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (n == "ALL") return n;
  if (!n.starts_with("CAP_")) n = "CAP_" + n;
  if (!Contains(spec::KnownCapabilities(), n))
    return FailAs(EINVAL, "unknown capability: \"{}\"", n);
  return n;
}

std::vector<std::string> CapabilityNames(uint64_t mask) {
  const auto& known = spec::KnownCapabilities();
  std::vector<std::string> out;
  for (size_t bit = 0; bit < known.size() && bit < 64; ++bit)
    if (mask >> bit & 1) out.push_back(known[bit]);
  return out;
}

Result<std::vector<std::string>> HostBoundingCapabilities() {
  std::string status = TRY(ReadFile("/proc/self/status"));
  size_t at = status.find("\nCapBnd:");
  if (at == std::string::npos) return Fail("/proc/self/status: no CapBnd line");
  const char* hex = status.c_str() + at + 8;
  char* end = nullptr;
  uint64_t mask = std::strtoull(hex, &end, 16);
  if (end == hex) return Fail("/proc/self/status: CapBnd is not a hex mask");
  return CapabilityNames(mask);
}

std::vector<std::string> EffectiveCapabilities(const std::vector<std::string>& defaults,
                                               const std::vector<std::string>& all,
                                               const std::vector<std::string>& add,
                                               const std::vector<std::string>& drop,
                                               bool privileged) {
  std::vector<std::string> out;
  if (privileged) {
    for (const auto& c : all) AddOnce(&out, c);
    return out;
  }
  if (Contains(add, "ALL")) {
    for (const auto& c : all)
      if (!Contains(drop, c)) AddOnce(&out, c);
    return out;
  }
  if (!Contains(drop, "ALL")) {
    for (const auto& c : defaults)
      if (!Contains(drop, c)) AddOnce(&out, c);
  }
  for (const auto& c : add) AddOnce(&out, c);
  return out;
}

}  // namespace berth::engine
