// docker's detach keys: the key sequence on an attached stdin that ends
// the attach and leaves the container running ("ctrl-p,ctrl-q" unless the
// client names others with --detach-keys).
// Plain functions and a value type; no syscalls.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace berth::engine {

// "ctrl-p,ctrl-q" -> {0x10, 0x11}. Each item is one character ("a") or
// "ctrl-X" for X in a-z, @, [, \, ], ^, _. "" gives the default. EINVAL
// "Invalid detach keys (X) provided" otherwise, docker's words.
Result<std::vector<unsigned char>> ParseDetachKeys(std::string_view keys);

// Passes stdin bytes through, holding back a possible start of the
// sequence; the whole sequence sets *detached and is not passed on.
class DetachScanner {
 public:
  explicit DetachScanner(std::vector<unsigned char> keys) : keys_(std::move(keys)) {}
  std::string Feed(std::string_view data, bool* detached);

 private:
  std::vector<unsigned char> keys_;
  size_t matched_ = 0;
};

}  // namespace berth::engine
