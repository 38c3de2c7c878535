#include "api/http.h"

namespace berth::api {

std::string HttpRequest::Query(const std::string& key, const std::string& def) const {
  auto it = query.find(key);
  return it == query.end() ? def : it->second;
}

bool HttpRequest::QueryBool(const std::string& key) const {
  std::string v = Query(key);
  return v == "1" || v == "true" || v == "True";
}

std::string HttpRequest::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

std::string JsonText(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string JsonText(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void HttpResponder::SendJson(int status, const nlohmann::json& j) {
  Send(status, "application/json", JsonText(j) + "\n");
}

void HttpResponder::SendError(int status, std::string_view message) {
  SendJson(status, nlohmann::json{{"message", std::string(message)}});
}

std::string UrlDecode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int a = hex(s[i + 1]), b = hex(s[i + 2]);
      if (a >= 0 && b >= 0) {
        out += static_cast<char>(a * 16 + b);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

std::string QueryDecode(std::string_view s) {
  std::string spaced(s);
  for (char& c : spaced)
    if (c == '+') c = ' ';
  return UrlDecode(spaced);
}

}  // namespace berth::api
