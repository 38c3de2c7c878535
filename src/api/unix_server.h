// The API's HTTP/1.1 server on a unix socket (berthd's /run/berth/berth.sock).
//
// A thread per connection, each reading requests with keep-alive and
// handing them to the router: API calls block for as long as their work
// takes (a pull streams for minutes, a wait or attach for the container's
// life), and a blocking thread per client keeps each route a plain linear
// function. Idle connections cost a parked thread; clients are local.
//
// The socket is created 0660, owned by root and the "berth" group when
// that group exists (as dockerd's is by "docker"); a stale socket file from
// a dead daemon is replaced, a live one refused.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "api/router.h"
#include "base/error.h"

namespace berth::api {

class UnixServer {
 public:
  // Binds and listens on `path`.
  static Result<std::unique_ptr<UnixServer>> Listen(const std::string& path, const Router& router);
  ~UnixServer();
  // Accepts until Stop; returns then.
  void Serve();
  // Stops accepting (safe from a signal-handling thread); connections in
  // progress finish on their own threads.
  void Stop();

 private:
  struct Impl;
  explicit UnixServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace berth::api
