#include "base/passwd.h"

#include <charconv>

#include "base/fs.h"

namespace berth {

std::optional<std::string> UserNameIn(std::string_view text, uid_t uid) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    // name:password:uid:...
    size_t c1 = line.find(':');
    if (c1 == std::string_view::npos || c1 == 0) continue;
    size_t c2 = line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) continue;
    size_t c3 = line.find(':', c2 + 1);
    std::string_view field = line.substr(c2 + 1, c3 == std::string_view::npos ? c3 : c3 - c2 - 1);
    uid_t v = 0;
    auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
    if (ec == std::errc() && end == field.data() + field.size() && !field.empty() && v == uid)
      return std::string(line.substr(0, c1));
  }
  return std::nullopt;
}

std::string UserNameOrId(uid_t uid, const std::string& path) {
  if (auto text = ReadFile(path))
    if (auto name = UserNameIn(*text, uid)) return *name;
  return std::to_string(uid);
}

}  // namespace berth
