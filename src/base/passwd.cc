#include "base/passwd.h"

#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <vector>

#include "base/fs.h"

namespace berth {
namespace {

// The fields of the line of `text` whose third field (the uid) is `uid`.
std::optional<std::vector<std::string_view>> EntryOf(std::string_view text, uid_t uid) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    // name:password:uid:gid:gecos:home:shell
    std::vector<std::string_view> fields;
    for (size_t start = 0;;) {
      size_t colon = line.find(':', start);
      fields.push_back(line.substr(start, colon == std::string_view::npos ? colon : colon - start));
      if (colon == std::string_view::npos) break;
      start = colon + 1;
    }
    if (fields.size() < 3 || fields[0].empty()) continue;
    std::string_view field = fields[2];
    uid_t v = 0;
    auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
    if (ec == std::errc() && end == field.data() + field.size() && !field.empty() && v == uid)
      return fields;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> UserNameIn(std::string_view text, uid_t uid) {
  auto fields = EntryOf(text, uid);
  if (!fields) return std::nullopt;
  return std::string((*fields)[0]);
}

std::optional<std::string> HomeDirIn(std::string_view text, uid_t uid) {
  auto fields = EntryOf(text, uid);
  if (!fields || fields->size() < 6 || (*fields)[5].empty()) return std::nullopt;
  return std::string((*fields)[5]);
}

std::string UserNameOrId(uid_t uid, const std::string& path) {
  if (auto text = ReadFile(path))
    if (auto name = UserNameIn(*text, uid)) return *name;
  return std::to_string(uid);
}

std::string HomeDirectory(const std::string& path) {
  if (const char* h = std::getenv("HOME"); h && *h) return h;
  if (auto text = ReadFile(path))
    if (auto home = HomeDirIn(*text, ::getuid())) return *home;
  return "/";
}

}  // namespace berth
