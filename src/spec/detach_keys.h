// docker's detach keys: the key sequence on an attached terminal that ends
// the attach and leaves the container running. One definition for both
// sides: the client watches its terminal for it, berthd the stream.
// Plain functions and a value type; no syscalls.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"

namespace berth::spec {

// ctrl-p, ctrl-q.
inline constexpr std::string_view kDefaultDetachKeys = "\x10\x11";

// moby/term's ToBytes: a comma-separated list of keys, each one character,
// "ctrl-X" for X in @, a-z, [, \, ], ^, _ (ctrl-@ is NUL), or "DEL".
// Returns the bytes; otherwise "Unknown character: 'X'".
Result<std::string> ParseDetachKeys(std::string_view spec);

// Passes input through, holding back bytes that may begin the sequence
// until they complete it or not (then they go on, as typed). Empty keys:
// never detaches.
class DetachScanner {
 public:
  explicit DetachScanner(std::string keys) : keys_(std::move(keys)) {}
  // Appends what goes on to `out`; true once the sequence is complete (the
  // bytes after it are not consumed).
  bool Feed(std::string_view in, std::string& out);

 private:
  std::string keys_;
  size_t matched_ = 0;
};

}  // namespace berth::spec
