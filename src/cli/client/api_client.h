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
#include <memory>
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

// A response whose body is read as the caller wants it, pulled from the
// connection (cp's tar going straight into the extraction, no pipe or
// thread between). Move-only; the connection closes with it.
class ResponseBody {
 public:
  ResponseBody();
  ResponseBody(ResponseBody&&) noexcept;
  ResponseBody& operator=(ResponseBody&&) noexcept;
  ~ResponseBody();
  // Status and headers; the body too when the daemon answered an error.
  ApiResponse response;
  // Up to `len` more bytes of the body into `buf`, as soon as some have
  // come; 0 once it has ended.
  Result<size_t> ReadSome(char* buf, size_t len);

 private:
  friend class ApiClient;
  struct Connection;
  std::unique_ptr<Connection> conn_;
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
  // What makes a streamed request body: it hands each piece to `send`,
  // which sends it as one chunk. An error `send` returns means the daemon
  // stopped reading (it has answered); `produce` then stops and returns it.
  using BodyProducer = std::function<Status(const std::function<Status(std::string_view)>& send)>;
  // As Upload, with the body written by `produce` straight into the
  // request (cp's tar, made as it is sent: no pipe, no thread). A body
  // that fails to be made is not ended: the daemon sees it cut short and
  // keeps nothing of it as complete, and the producer's error is returned.
  Result<ApiResponse> UploadFrom(std::string_view method, const std::string& path_and_query,
                                 const BodyProducer& produce,
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
  // One request whose 2xx response body is left to read through the
  // returned ResponseBody; any other answer comes with its body read.
  Result<ResponseBody> Open(std::string_view method, const std::string& path_and_query);

 private:
  using Sink = std::function<Status(std::string_view)>;
  Result<HijackedConnection> HijackOnce(std::string_view method, const std::string& path_and_query,
                                        std::string_view body);
  // Connects, sends the request, reads the response's status and headers.
  Result<ResponseBody> Send(std::string_view method, const std::string& path_and_query,
                            std::string_view body, const BodyProducer* produce,
                            const std::map<std::string, std::string>& headers);
  Result<ApiResponse> Do(std::string_view method, const std::string& path_and_query,
                         std::string_view body, const BodyProducer* produce,
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
