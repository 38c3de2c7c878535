#include "cli/client/api_client.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

#include <fmt/core.h>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace berth::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

std::string ApiResponse::ErrorMessage() const {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("message") && j["message"].is_string())
    return j["message"].get<std::string>();
  std::string b = body;
  while (!b.empty() && (b.back() == '\n' || b.back() == '\r')) b.pop_back();
  return b.empty() ? fmt::format("HTTP status {}", status) : b;
}

Result<std::string> ApiClient::SocketFromHost(const std::string& host_flag) {
  std::string host = host_flag;
  if (host.empty())
    if (const char* env = std::getenv("DOCKER_HOST"); env && *env) host = env;
  if (host.empty()) return std::string("/run/berth/berth.sock");
  if (!host.starts_with("unix://"))
    return Fail("host {}: only unix:// sockets are supported", host);
  return host.substr(7);
}

std::string UrlEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

namespace {

// A response's status and its header fields, names lowercased.
template <class Message>
void TakeStatusAndHeaders(const Message& m, ApiResponse* out) {
  out->status = static_cast<int>(m.result_int());
  for (const auto& f : m) {
    std::string n(f.name_string());
    for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out->headers[n] = std::string(f.value());
  }
}

// Connects `sock` to the daemon at `path`, or docker's "Cannot connect".
Status Connect(asio::local::stream_protocol::socket& sock, const std::string& path) {
  beast::error_code ec;
  sock.connect(asio::local::stream_protocol::endpoint(path), ec);
  if (ec)
    return Fail("Cannot connect to the berth daemon at unix://{}. Is berthd running? ({})", path,
                ec.message());
  return Ok();
}

// The request line (at API `version`) and the headers every request has.
http::request<http::string_body> NewRequest(std::string_view method, const std::string& version,
                                            const std::string& path_and_query) {
  http::request<http::string_body> req;
  req.method_string(std::string(method));
  req.target("/v" + version + path_and_query);
  req.version(11);
  req.set(http::field::host, "berth");
  req.set(http::field::user_agent, "berth-cli/0.1.0");
  return req;
}

}  // namespace

// The connection of one request whose response body is still to be read.
struct ResponseBody::Connection {
  asio::io_context io;
  asio::local::stream_protocol::socket sock{io};
  beast::flat_buffer buf;
  http::response_parser<http::buffer_body> parser;
  std::string socket_path;
};

ResponseBody::ResponseBody() = default;
ResponseBody::ResponseBody(ResponseBody&&) noexcept = default;
ResponseBody& ResponseBody::operator=(ResponseBody&&) noexcept = default;
ResponseBody::~ResponseBody() = default;

Result<size_t> ResponseBody::ReadSome(char* buf, size_t len) {
  if (!conn_ || conn_->parser.is_done() || len == 0) return size_t{0};
  auto& p = conn_->parser;
  beast::error_code ec;
  // Until some bytes come or the body ends (a chunk header alone gives
  // none).
  for (;;) {
    p.get().body().data = buf;
    p.get().body().size = len;
    // read_some, not read: a stream (events, a followed log) must reach
    // its reader as it arrives, not once `len` bytes of it have.
    http::read_some(conn_->sock, conn_->buf, p, ec);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) return Fail("read response from unix://{}: {}", conn_->socket_path, ec.message());
    size_t n = len - p.get().body().size;
    if (n > 0 || p.is_done()) return n;
  }
}

Result<ResponseBody> ApiClient::Send(std::string_view method, const std::string& path_and_query,
                                     std::string_view body, const BodyProducer* produce,
                                     const std::map<std::string, std::string>& headers) {
  ResponseBody out;
  out.conn_ = std::make_unique<ResponseBody::Connection>();
  auto& c = *out.conn_;
  c.socket_path = socket_;
  auto& sock = c.sock;
  TRY(Connect(sock, socket_));
  beast::error_code ec;
  auto req = NewRequest(method, version_, path_and_query);
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!body.empty() || method == "POST" || method == "PUT") {
    req.body() = std::string(body);
    if (!body.empty() && req[http::field::content_type].empty())
      req.set(http::field::content_type, "application/json");
  }
  if (produce) {
    // The body streams in chunks as it is made; its size is not known.
    req.set(http::field::content_type, "application/x-tar");
    req.chunked(true);
    http::request_serializer<http::string_body> sr{req};
    http::write_header(sock, sr, ec);
    Status made = Ok();
    if (!ec) {
      made = (*produce)([&](std::string_view piece) -> Status {
        if (piece.empty()) return Ok();  // an empty chunk would end the body
        asio::write(sock, http::make_chunk(asio::buffer(piece.data(), piece.size())), ec);
        if (ec) return Fail("send request to unix://{}: {}", socket_, ec.message());
        return Ok();
      });
    }
    // A body that could not be made is left unended: the daemon sees the
    // connection close mid-body, never a complete-looking short one.
    if (!made && !ec) return std::unexpected(made.error());
    if (!ec) asio::write(sock, http::make_chunk_last(), ec);
  } else {
    req.prepare_payload();
    http::write(sock, req, ec);
  }
  // A daemon that answers before reading the whole body (an error) closes
  // its side: its response is still worth reading.
  if (ec && ec != asio::error::broken_pipe && ec != asio::error::connection_reset)
    return Fail("send request to unix://{}: {}", socket_, ec.message());

  // Reads are as large as the buffer's free space (up to beast's 64 KiB):
  // an empty buffer would read 512 bytes at a time, which made a 100 MB
  // cp out of a container cost some 200,000 reads.
  c.buf.reserve(size_t{1} << 17);
  c.parser.body_limit(boost::none);
  // A response to HEAD has a Content-Length but no body to wait for.
  if (method == "HEAD") c.parser.skip(true);
  http::read_header(sock, c.buf, c.parser, ec);
  if (ec) return Fail("read response from unix://{}: {}", socket_, ec.message());
  TakeStatusAndHeaders(c.parser.get(), &out.response);
  return out;
}

namespace {

// The rest of `rb`'s body, handed to `sink` as it arrives, or (no sink)
// kept in its response.
Status ReadRest(ResponseBody& rb, const std::function<Status(std::string_view)>* sink) {
  std::vector<char> chunk(size_t{1} << 17);
  for (;;) {
    size_t n = TRY(rb.ReadSome(chunk.data(), chunk.size()));
    if (n == 0) return Ok();
    if (sink)
      TRY((*sink)(std::string_view(chunk.data(), n)));
    else
      rb.response.body.append(chunk.data(), n);
  }
}

}  // namespace

Result<ApiResponse> ApiClient::Do(std::string_view method, const std::string& path_and_query,
                                  std::string_view body, const BodyProducer* produce,
                                  const std::map<std::string, std::string>& headers,
                                  const Sink* sink) {
  auto rb = TRY(Send(method, path_and_query, body, produce, headers));
  bool ok = rb.response.status / 100 == 2;
  if (on_headers_ && ok) on_headers_();
  TRY(ReadRest(rb, ok ? sink : nullptr));
  return std::move(rb.response);
}

Result<ResponseBody> ApiClient::Open(std::string_view method, const std::string& path_and_query) {
  auto rb = TRY(Send(method, path_and_query, "", nullptr, {}));
  if (rb.response.status / 100 == 2) return rb;
  TRY(ReadRest(rb, nullptr));  // not the body asked for: the daemon's error
  if (NegotiatedDown(rb.response)) return Open(method, path_and_query);
  return rb;
}

namespace {

// Splits a byte stream into lines for `on_line`; Flush hands over the rest.
class LineSplitter {
 public:
  explicit LineSplitter(const std::function<Status(std::string_view)>& on_line)
      : on_line_(on_line) {}
  Status Feed(std::string_view data) {
    pending_.append(data);
    size_t nl;
    while ((nl = pending_.find('\n')) != std::string::npos) {
      std::string line = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) TRY(on_line_(line));
    }
    return Ok();
  }
  Status Flush() { return pending_.empty() ? Ok() : on_line_(pending_); }

 private:
  const std::function<Status(std::string_view)>& on_line_;
  std::string pending_;
};

}  // namespace

bool ApiClient::NegotiatedDown(const ApiResponse& r) {
  // The docker CLI's negotiation: a daemon that finds our version too new
  // is asked again at the version its /_ping names.
  if (r.status != 400 || r.ErrorMessage().find("is too new") == std::string::npos) return false;
  auto ping = Do("GET", "/_ping", "", nullptr, {}, nullptr);
  if (!ping) return false;
  auto it = ping->headers.find("api-version");
  if (it == ping->headers.end() || it->second == version_) return false;
  version_ = it->second;
  return true;
}

Result<ApiResponse> ApiClient::Call(std::string_view method, const std::string& path_and_query,
                                    std::string_view body,
                                    const std::map<std::string, std::string>& headers) {
  auto r = TRY(Do(method, path_and_query, body, nullptr, headers, nullptr));
  if (NegotiatedDown(r)) return Do(method, path_and_query, body, nullptr, headers, nullptr);
  return r;
}

Result<ApiResponse> ApiClient::Stream(std::string_view method, const std::string& path_and_query,
                                      const std::function<Status(std::string_view)>& on_line,
                                      const std::map<std::string, std::string>& headers) {
  LineSplitter lines(on_line);
  Sink sink = [&](std::string_view d) { return lines.Feed(d); };
  auto r = TRY(Do(method, path_and_query, "", nullptr, headers, &sink));
  // (An error body never reaches the sink: a retry starts clean.)
  if (NegotiatedDown(r)) r = TRY(Do(method, path_and_query, "", nullptr, headers, &sink));
  if (r.status / 100 == 2) TRY(lines.Flush());
  return r;
}

Result<ApiResponse> ApiClient::Upload(std::string_view method, const std::string& path_and_query,
                                      int in_fd,
                                      const std::function<Status(std::string_view)>& on_line) {
  BodyProducer from_fd = [in_fd](const Sink& send) -> Status {
    std::vector<char> chunk(1 << 20);
    for (;;) {
      ssize_t n = ::read(in_fd, chunk.data(), chunk.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return FailErrno("read input");
      if (n == 0) return Ok();
      TRY(send(std::string_view(chunk.data(), static_cast<size_t>(n))));
    }
  };
  return UploadFrom(method, path_and_query, from_fd, on_line);
}

Result<ApiResponse> ApiClient::UploadFrom(std::string_view method,
                                          const std::string& path_and_query,
                                          const BodyProducer& produce,
                                          const std::function<Status(std::string_view)>& on_line) {
  LineSplitter lines(on_line);
  Sink sink = [&](std::string_view d) { return lines.Feed(d); };
  auto r = TRY(Do(method, path_and_query, "", &produce, {}, &sink));
  if (r.status / 100 == 2) TRY(lines.Flush());
  return r;
}

Result<ApiResponse> ApiClient::StreamRaw(std::string_view method, const std::string& path_and_query,
                                         const std::function<Status(std::string_view)>& on_data) {
  Sink sink = on_data;
  auto r = TRY(Do(method, path_and_query, "", nullptr, {}, &sink));
  if (NegotiatedDown(r)) return Do(method, path_and_query, "", nullptr, {}, &sink);
  return r;
}

Result<HijackedConnection> ApiClient::HijackOnce(std::string_view method,
                                                 const std::string& path_and_query,
                                                 std::string_view body) {
  asio::io_context io;
  asio::local::stream_protocol::socket sock(io);
  TRY(Connect(sock, socket_));
  beast::error_code ec;
  auto req = NewRequest(method, version_, path_and_query);
  // The upgrade docker's CLI asks for: after the response the connection
  // carries the container's stdio in both directions.
  req.set(http::field::connection, "Upgrade");
  req.set(http::field::upgrade, "tcp");
  req.body() = std::string(body);
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  req.prepare_payload();
  http::write(sock, req, ec);
  if (ec) return Fail("send request to unix://{}: {}", socket_, ec.message());

  beast::flat_buffer buf;
  http::response_parser<http::string_body> p;
  p.body_limit(boost::none);
  http::read_header(sock, buf, p, ec);
  if (ec) return Fail("read response from unix://{}: {}", socket_, ec.message());
  HijackedConnection conn;
  TakeStatusAndHeaders(p.get(), &conn.response);
  if (!conn.Upgraded()) {
    // An error before the hijack is an ordinary response with a body.
    if (!p.is_done()) http::read(sock, buf, p, ec);
    if (ec && ec != http::error::end_of_stream)
      return Fail("read response from unix://{}: {}", socket_, ec.message());
    conn.response.body = p.get().body();
    return conn;
  }
  // What the parser read past the headers already belongs to the stream.
  auto data = buf.data();
  conn.pending.assign(static_cast<const char*>(data.data()), data.size());
  conn.fd = UniqueFd(sock.release(ec));
  if (ec) return Fail("take over the connection to unix://{}: {}", socket_, ec.message());
  return conn;
}

Result<HijackedConnection> ApiClient::Hijack(std::string_view method,
                                             const std::string& path_and_query,
                                             std::string_view body) {
  auto c = TRY(HijackOnce(method, path_and_query, body));
  if (NegotiatedDown(c.response)) return HijackOnce(method, path_and_query, body);
  return c;
}

Result<ApiResponse> ApiClient::Download(std::string_view method, const std::string& path_and_query,
                                        int out_fd) {
  Sink sink = [&](std::string_view d) -> Status {
    while (!d.empty()) {
      ssize_t n = ::write(out_fd, d.data(), d.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return FailErrno("write output");
      d.remove_prefix(static_cast<size_t>(n));
    }
    return Ok();
  };
  auto r = TRY(Do(method, path_and_query, "", nullptr, {}, &sink));
  if (NegotiatedDown(r)) return Do(method, path_and_query, "", nullptr, {}, &sink);
  return r;
}

}  // namespace berth::cli
