// HTTP as the API routes see it: a parsed request and a responder that can
// answer at once or stream (docker's JSON progress of a pull, events).
//
// The responder hides the transport (Boost.Beast over a unix socket); the
// routes only build bodies. Every response carries docker's headers
// (Api-Version, Ostype, Docker-Experimental, Server), which the docker CLI
// and docker-py read.
// Thread safety: one request and its responder belong to one connection
// thread.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/error.h"

namespace berth::api {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // decoded, without the /v1.xx prefix and the query
  std::multimap<std::string, std::string> query;  // decoded
  std::map<std::string, std::string> headers;     // names lowercased
  // A body of known size up to 64 MiB is read before the route runs and
  // held here. A bigger or chunked one (an image archive for /images/load)
  // is left on the socket and read through `body_reader` (0 at its end).
  std::string body;
  std::function<Result<size_t>(char* buf, size_t len)> body_reader;
  std::string api_version;                    // negotiated, "1.47"
  std::map<std::string, std::string> params;  // path parameters ({name})

  // The first value of a query parameter, or `def`.
  std::string Query(const std::string& key, const std::string& def = "") const;
  // Docker's boolean query values: "1", "true", "True" are true.
  bool QueryBool(const std::string& key) const;
  std::string Header(const std::string& lower_name) const;
};

class HttpResponder {
 public:
  virtual ~HttpResponder() = default;
  // A whole response.
  virtual void Send(int status, std::string_view content_type, std::string body) = 0;
  void SendJson(int status, const nlohmann::json& j);
  // docker's error body: {"message": "..."}.
  void SendError(int status, std::string_view message);
  void SendNoContent(int status = 204) { Send(status, "", ""); }

  // A streamed response (chunked). Write returns false once the client has
  // gone; the route should stop its work then.
  virtual void StartStream(int status, std::string_view content_type) = 0;
  virtual bool Write(std::string_view data) = 0;
  virtual void EndStream() = 0;
  virtual bool started() const = 0;

  // True once the client has hung up (a waiting route gives up then).
  virtual bool ClientGone() = 0;

  // A header for the response about to be sent or started (docker cp's
  // X-Docker-Container-Path-Stat); call before Send or StartStream.
  void AddHeader(std::string name, std::string value) {
    extra_headers_.emplace_back(std::move(name), std::move(value));
  }

  // Takes the connection over for a raw byte stream (attach, exec start),
  // as dockerd does: "101 UPGRADED" with Connection/Upgrade headers when
  // the client asked for "Upgrade: tcp", else "200 OK", either with
  // `content_type` (docker's raw-stream or multiplexed-stream). Returns the
  // socket and sets `buffered` to bytes the client already sent past its
  // request. The connection is closed when the route returns.
  virtual Result<int> Hijack(std::string_view content_type, const HttpRequest& req,
                             std::string* buffered) = 0;

 protected:
  std::vector<std::pair<std::string, std::string>> extra_headers_;
};

using Handler = std::function<void(const HttpRequest&, HttpResponder&)>;

// JSON text as Go's encoding/json (dockerd) writes it: a string that is
// not valid UTF-8 (a %FF in a query, echoed in an error) has its bad bytes
// replaced by U+FFFD instead of failing. Every response body goes
// through it: nlohmann's dump() would throw.
std::string JsonText(const nlohmann::json& j);
std::string JsonText(const nlohmann::ordered_json& j);

// The %-decoding of a URL path component ('+' stays '+').
std::string UrlDecode(std::string_view s);
// The decoding of a query key or value, as Go's url.ParseQuery (dockerd)
// reads them: %-escapes, and '+' is a space (the docker CLI, Go's
// url.Values, sends "ENV A=1" as "ENV+A%3D1"; a real '+' comes as %2B).
std::string QueryDecode(std::string_view s);

}  // namespace berth::api
