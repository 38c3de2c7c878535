// The `berth` client's side of the Docker Engine API: HTTP/1.1 requests to
// berthd (or dockerd) over its unix socket, whole or streamed by line, or
// hijacked into a raw two-way stream (attach, exec start).
//
// The socket comes from -H, else $DOCKER_HOST (unix:// only), else
// /run/berth/berth.sock. Requests carry the /v1.47 prefix; a daemon that
// answers "too new" is asked again at the version its /_ping names (the
// docker CLI's negotiation).
// Not thread-safe: one client per thread; each call opens its own
// connection.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "base/error.h"
#include "base/unique_fd.h"

namespace berth::cli {

struct ApiResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
  // The daemon's {"message": ...}, or the raw body.
  std::string ErrorMessage() const;
};

// A connection the daemon has handed over to raw bytes (attach, exec
// start): what the container writes arrives on `fd`, what is written to
// `fd` goes to its stdin. `pending` holds bytes of that stream that arrived
// with the response headers.
struct HijackedConnection {
  ApiResponse response;  // 101 (or 200 from older daemons); else the error
  UniqueFd fd;           // valid only when the upgrade succeeded
  std::string pending;
  bool Upgraded() const { return response.status == 101 || response.status == 200; }
};

class ApiClient {
 public:
  explicit ApiClient(std::string socket_path) : socket_(std::move(socket_path)) {}
  // The socket to use given -H (may be empty) and the environment.
  static Result<std::string> SocketFromHost(const std::string& host_flag);

  // One request; the whole response. A daemon that is not there is an
  // error: "Cannot connect to the berth daemon at unix:///...: is berthd
  // running?".
  Result<ApiResponse> Call(std::string_view method, const std::string& path_and_query,
                           std::string_view body = "",
                           const std::map<std::string, std::string>& headers = {});
  // As Call, handing the body to `on_line` line by line as it arrives (the
  // JSON message stream of a pull). The returned body is empty for 2xx.
  Result<ApiResponse> Stream(std::string_view method, const std::string& path_and_query,
                             const std::function<Status(std::string_view)>& on_line,
                             const std::map<std::string, std::string>& headers = {});
  // As Call, with the request body read from `in_fd` to its end and sent
  // chunked (an image archive for `load`), and a 2xx response body handed
  // to `on_line` line by line.
  Result<ApiResponse> Upload(std::string_view method, const std::string& path_and_query, int in_fd,
                             const std::function<Status(std::string_view)>& on_line);
  // As Call, with a 2xx response body handed to `on_data` in the pieces it
  // arrives in (a followed log stream, which is binary and may never end).
  Result<ApiResponse> StreamRaw(std::string_view method, const std::string& path_and_query,
                                const std::function<Status(std::string_view)>& on_data);
  // Sends `Connection: Upgrade` + `Upgrade: tcp` with the request and, when
  // the daemon answers 101 UPGRADED (or a plain 200 raw stream, as older
  // daemons do), hands back the socket itself. Any other answer is read
  // whole into `response` (a 404 "No such container" body) and `fd` is
  // empty.
  Result<HijackedConnection> Hijack(std::string_view method, const std::string& path_and_query,
                                    std::string_view body = "");
  // Called once a 2xx response's status line and headers have arrived,
  // before its body (a caller on another thread learns that a wait is in
  // place).
  void SetHeadersHook(std::function<void()> hook) { on_headers_ = std::move(hook); }
  // As Call, with a 2xx response body written to `out_fd` as it arrives
  // (the tar stream of `save`).
  Result<ApiResponse> Download(std::string_view method, const std::string& path_and_query,
                               int out_fd);

 private:
  using Sink = std::function<Status(std::string_view)>;
  Result<HijackedConnection> HijackOnce(std::string_view method, const std::string& path_and_query,
                                        std::string_view body);
  Result<ApiResponse> Do(std::string_view method, const std::string& path_and_query,
                         std::string_view body, int body_fd,
                         const std::map<std::string, std::string>& headers, const Sink* sink);
  // True when `r` was the daemon's "client version is too new" and the
  // version is now lowered to the daemon's: the caller asks again.
  bool NegotiatedDown(const ApiResponse& r);
  std::string socket_;
  std::string version_ = "1.47";
  std::function<void()> on_headers_;
};

// %-encodes a query value.
std::string UrlEncode(std::string_view s);

}  // namespace berth::cli
