// One HTTP exchange over libcurl, for the registry client (internal to
// src/image; RegistryClient is the interface other code uses).
//
// Perform sends one request and returns the final status and headers. It
// follows no redirects and does no authentication: the registry client does
// both itself, so that it controls when an Authorization header travels
// (never to the storage host a blob redirect points at).
//
// Perform is thread-safe: each call takes a curl easy handle from a small
// process-wide pool (keeping connections alive between requests to the
// same host) and returns it afterwards. Proxies come from the usual
// http_proxy/https_proxy/no_proxy variables, as libcurl reads them.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"

namespace berth::image::http {

struct Request {
  std::string method = "GET";  // GET, HEAD, POST, PUT, PATCH, DELETE
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  // The request body: `body`, or when `reader` is set, `body_size` bytes
  // read through it. reader(offset, buf, len) fills buf with up to len
  // bytes at offset (from 0 for each exchange) and returns how many; it
  // may be called again from offset 0 if the exchange is repeated.
  std::string_view body;
  std::function<Result<size_t>(int64_t offset, char* buf, size_t len)> reader;
  int64_t body_size = 0;
  // Where a 2xx response's body goes, piece by piece, with the response's
  // status (200, 206, ...). When unset, or for any other status, the body
  // is kept in Response::body up to `max_body` bytes (more is an error).
  std::function<Status(long status, std::string_view chunk)> sink;
  size_t max_body = 1 << 20;
  bool verify_tls = true;
  std::string user_agent;
};

struct Response {
  long status = 0;
  // Headers of the final response (not of a 100 Continue), names lowercased.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first value of header `name` (lowercase), or "".
  std::string Header(std::string_view name) const;
  // Every value of header `name`, in order.
  std::vector<std::string> Headers(std::string_view name) const;
};

// Performs one exchange. Errors are transport failures (connection
// refused, TLS, timeouts: see IsRetryable), or the sink's or reader's own
// error, which is returned unchanged.
Result<Response> Perform(const Request& req);

// Whether `e` is a transport failure worth retrying (connection refused or
// reset, timeout), as opposed to a TLS, DNS or caller's error.
bool IsRetryable(const Error& e);

// Resolves `location` (absolute or relative, as in a Location header)
// against `base`.
Result<std::string> ResolveUrl(const std::string& base, const std::string& location);

// "scheme://host:port" of an absolute URL, lowercased, with the default
// port filled in: the unit of trust for Authorization headers.
std::string UrlOrigin(const std::string& url);

// Percent-encodes a query parameter value.
std::string QueryEscape(std::string_view s);

}  // namespace berth::image::http
