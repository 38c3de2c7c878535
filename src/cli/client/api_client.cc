#include "cli/client/api_client.h"

#include <cstdlib>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <fmt/core.h>
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

Result<ApiResponse> ApiClient::Do(std::string_view method, const std::string& path_and_query,
                                  std::string_view body,
                                  const std::map<std::string, std::string>& headers,
                                  const std::function<Status(std::string_view)>* on_line) {
  asio::io_context io;
  asio::local::stream_protocol::socket sock(io);
  beast::error_code ec;
  sock.connect(asio::local::stream_protocol::endpoint(socket_), ec);
  if (ec)
    return Fail("Cannot connect to the berth daemon at unix://{}. Is berthd running? ({})",
                socket_, ec.message());
  http::request<http::string_body> req;
  req.method_string(std::string(method));
  req.target("/v" + version_ + path_and_query);
  req.version(11);
  req.set(http::field::host, "berth");
  req.set(http::field::user_agent, "berth-cli/0.1.0");
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!body.empty() || method == "POST" || method == "PUT") {
    req.body() = std::string(body);
    if (!body.empty() && req[http::field::content_type].empty())
      req.set(http::field::content_type, "application/json");
  }
  req.prepare_payload();
  http::write(sock, req, ec);
  if (ec) return Fail("send request to unix://{}: {}", socket_, ec.message());

  beast::flat_buffer buf;
  http::response_parser<http::buffer_body> p;
  p.body_limit(boost::none);
  http::read_header(sock, buf, p, ec);
  if (ec) return Fail("read response from unix://{}: {}", socket_, ec.message());
  ApiResponse resp;
  resp.status = static_cast<int>(p.get().result_int());
  for (const auto& f : p.get()) {
    std::string n(f.name_string());
    for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    resp.headers[n] = std::string(f.value());
  }
  bool stream_lines = on_line && resp.status / 100 == 2;
  std::string pending;
  char chunk[16384];
  while (!p.is_done()) {
    p.get().body().data = chunk;
    p.get().body().size = sizeof chunk;
    http::read(sock, buf, p, ec);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) return Fail("read response from unix://{}: {}", socket_, ec.message());
    size_t n = sizeof chunk - p.get().body().size;
    if (!stream_lines) {
      resp.body.append(chunk, n);
      continue;
    }
    pending.append(chunk, n);
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) TRY((*on_line)(line));
    }
  }
  if (stream_lines && !pending.empty()) TRY((*on_line)(pending));
  return resp;
}

Result<ApiResponse> ApiClient::Call(std::string_view method, const std::string& path_and_query,
                                    std::string_view body,
                                    const std::map<std::string, std::string>& headers) {
  auto r = TRY(Do(method, path_and_query, body, headers, nullptr));
  // Negotiate down to an older daemon's version, as the docker CLI does.
  if (r.status == 400 && r.ErrorMessage().find("is too new") != std::string::npos) {
    auto ping = TRY(Do("GET", "/_ping", "", {}, nullptr));
    auto it = ping.headers.find("api-version");
    if (it != ping.headers.end() && it->second != version_) {
      version_ = it->second;
      return Do(method, path_and_query, body, headers, nullptr);
    }
  }
  return r;
}

Result<ApiResponse> ApiClient::Stream(std::string_view method, const std::string& path_and_query,
                                      const std::function<Status(std::string_view)>& on_line,
                                      const std::map<std::string, std::string>& headers) {
  return Do(method, path_and_query, "", headers, &on_line);
}

}  // namespace berth::cli
