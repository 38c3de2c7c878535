// berthd's side of the berth-shim socket protocol (shim/shim_protocol.h):
// one connection to one container's shim, requests as JSON lines.
//
// A shim that is gone shows as ECONNREFUSED or ENOENT from Connect, and as
// EPIPE ("shim closed the connection") from a request whose answer never
// came; callers then read the exit record the shim may have left.
// Not thread-safe: a connection belongs to one thread (open one per
// blocking call: a wait, an attach).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/unique_fd.h"

namespace berth::engine {

class ShimConnection {
 public:
  // Connects to STATE_DIR/shim.sock.
  static Result<ShimConnection> Connect(const std::string& socket_path);

  // Sends `request` and returns the answer; a {"ok":false} answer is an
  // error carrying the shim's message.
  Result<nlohmann::json> Call(const nlohmann::json& request);

  // After an "attach" or "exec" answer the connection is a byte stream:
  // bytes read past the answer line, then the fd itself.
  std::string TakeBuffered() { return std::exchange(buf_, {}); }
  int fd() const { return fd_.get(); }

 private:
  explicit ShimConnection(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
  std::string buf_;
};

}  // namespace berth::engine
