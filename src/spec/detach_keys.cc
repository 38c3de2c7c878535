#include "spec/detach_keys.h"

namespace berth::spec {

Result<std::string> ParseDetachKeys(std::string_view spec) {
  // ctrl-@ is 0, ctrl-a 1 ... ctrl-z 26, then ctrl-[ ctrl-\ ctrl-] ctrl-^
  // ctrl-_ (27..31).
  static constexpr std::string_view kCtrl = "@abcdefghijklmnopqrstuvwxyz[\\]^_";
  std::string out;
  size_t start = 0;
  while (true) {
    size_t comma = spec.find(',', start);
    std::string_view key =
        spec.substr(start, comma == std::string_view::npos ? spec.npos : comma - start);
    if (key.size() == 1) {
      out += key[0];
    } else if (key.size() == 6 && key.starts_with("ctrl-") &&
               kCtrl.find(key[5]) != std::string_view::npos) {
      out += static_cast<char>(kCtrl.find(key[5]));
    } else if (key == "DEL") {
      out += '\x7f';
    } else {
      return Fail("Unknown character: '{}'", key);
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

bool DetachScanner::Feed(std::string_view in, std::string& out) {
  for (size_t i = 0; i < in.size(); i++) {
    char c = in[i];
    if (keys_.empty()) {
      out += c;
      continue;
    }
    if (c == keys_[matched_]) {
      if (++matched_ == keys_.size()) {
        matched_ = 0;
        return true;
      }
      continue;
    }
    // Not the sequence after all: what was held back goes on, and this
    // byte may start the sequence anew.
    out.append(keys_, 0, matched_);
    matched_ = 0;
    if (c == keys_[0]) {
      matched_ = 1;
      if (keys_.size() == 1) {
        matched_ = 0;
        return true;
      }
    } else {
      out += c;
    }
  }
  return false;
}

}  // namespace berth::spec
