#include "engine/detach_keys.h"

namespace berth::engine {

Result<std::vector<unsigned char>> ParseDetachKeys(std::string_view keys) {
  if (keys.empty()) keys = "ctrl-p,ctrl-q";
  std::vector<unsigned char> out;
  auto bad = [&] { return FailAs(EINVAL, "Invalid detach keys ({}) provided", keys); };
  size_t pos = 0;
  while (pos <= keys.size()) {
    size_t comma = keys.find(',', pos);
    if (comma == std::string_view::npos) comma = keys.size();
    std::string_view item = keys.substr(pos, comma - pos);
    if (item.size() == 1) {
      out.push_back(static_cast<unsigned char>(item[0]));
    } else if (item.size() == 6 && item.substr(0, 5) == "ctrl-") {
      char c = item[5];
      if (c >= 'a' && c <= 'z')
        out.push_back(static_cast<unsigned char>(c - 'a' + 1));
      else if (c == '@' || c == '[' || c == '\\' || c == ']' || c == '^' || c == '_')
        out.push_back(static_cast<unsigned char>(c - '@'));
      else
        return bad();
    } else {
      return bad();
    }
    pos = comma + 1;
  }
  return out;
}

std::string DetachScanner::Feed(std::string_view data, bool* detached) {
  std::string out;
  for (size_t i = 0; i < data.size(); i++) {
    unsigned char c = static_cast<unsigned char>(data[i]);
    if (c == keys_[matched_]) {
      if (++matched_ == keys_.size()) {
        *detached = true;
        matched_ = 0;
        return out;
      }
      continue;
    }
    // Not the sequence after all: what was held back goes through, and this
    // byte may start the sequence anew.
    out.append(keys_.begin(), keys_.begin() + static_cast<long>(matched_));
    matched_ = 0;
    if (c == keys_[0]) {
      matched_ = 1;
      if (keys_.size() == 1) {
        *detached = true;
        return out;
      }
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

}  // namespace berth::engine
