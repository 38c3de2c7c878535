#include "image/registry_auth.h"

#include <algorithm>

#include <cstring>

#include <nlohmann/json.hpp>

#include "base/base64.h"

namespace berth::image {
namespace {

// RFC 7230 "tchar": the characters of an unquoted token.
bool IsTokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         (c != 0 && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// A cursor over one header value.
struct Scanner {
  std::string_view s;
  size_t i = 0;

  bool AtEnd() const { return i >= s.size(); }
  char Peek() const { return AtEnd() ? '\0' : s[i]; }
  void SkipSpace() {
    while (!AtEnd() && (s[i] == ' ' || s[i] == '\t')) ++i;
  }
  std::string_view Token() {
    size_t start = i;
    while (!AtEnd() && IsTokenChar(s[i])) ++i;
    return s.substr(start, i - start);
  }
  // A quoted-string, the opening quote already under the cursor.
  Result<std::string> Quoted() {
    std::string out;
    ++i;
    while (!AtEnd()) {
      char c = s[i++];
      if (c == '"') return out;
      if (c == '\\') {
        if (AtEnd()) break;
        c = s[i++];
      }
      out += c;
    }
    return Fail("unterminated quoted string");
  }
};

}  // namespace

std::string AuthChallenge::Param(const std::string& key) const {
  auto it = params.find(key);
  return it == params.end() ? std::string() : it->second;
}

Result<std::vector<AuthChallenge>> ParseWwwAuthenticate(std::string_view header) {
  auto bad = [&](std::string_view why) {
    return Fail("invalid WWW-Authenticate header {:?}: {}", std::string(header), why);
  };
  Scanner sc{header};
  std::vector<AuthChallenge> out;
  while (true) {
    // Challenges are separated by commas; empty list elements are allowed.
    while (sc.Peek() == ',' || sc.Peek() == ' ' || sc.Peek() == '\t') ++sc.i;
    if (sc.AtEnd()) break;
    std::string_view scheme = sc.Token();
    if (scheme.empty()) return bad("expected an auth scheme");
    AuthChallenge ch;
    ch.scheme = Lower(scheme);
    // auth-params: name=value pairs separated by commas. A bare token that
    // is not followed by "=" starts the next challenge.
    while (true) {
      sc.SkipSpace();
      size_t mark = sc.i;
      while (sc.Peek() == ',' || sc.Peek() == ' ' || sc.Peek() == '\t') ++sc.i;
      std::string_view name = sc.Token();
      sc.SkipSpace();
      if (name.empty() || sc.Peek() != '=') {
        sc.i = mark;
        break;
      }
      ++sc.i;
      sc.SkipSpace();
      std::string value;
      if (sc.Peek() == '"') {
        auto q = sc.Quoted();
        if (!q) return bad(q.error().message());
        value = std::move(*q);
      } else {
        value = std::string(sc.Token());
      }
      ch.params[Lower(name)] = std::move(value);
    }
    out.push_back(std::move(ch));
    // Anything other than a separator or the next scheme is garbage.
    sc.SkipSpace();
    if (!sc.AtEnd() && sc.Peek() != ',' && !IsTokenChar(sc.Peek()))
      return bad(fmt::format("unexpected {:?} at offset {}", sc.Peek(), sc.i));
    // A token68 credential ("Negotiate abc==") is not something a
    // registry sends; refuse it rather than misread it as a scheme.
    if (!sc.AtEnd() && sc.Peek() != ',' && !out.back().params.empty())
      return bad("expected ',' between challenges");
  }
  if (out.empty()) return bad("no challenge");
  return out;
}

std::string BasicAuthorization(const Credentials& c) {
  return "Basic " + Base64Encode(c.username + ":" + c.password);
}

Result<BearerToken> ParseTokenResponse(std::string_view body,
                                       std::chrono::steady_clock::time_point now) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Fail("token server response is not a JSON object");
  BearerToken t;
  for (const char* key : {"token", "access_token"}) {
    auto it = j.find(key);
    if (it != j.end() && it->is_string() && !it->get<std::string>().empty()) {
      t.token = it->get<std::string>();
      break;
    }
  }
  if (t.token.empty()) return Fail("token server response has no token");
  int64_t seconds = 60;
  if (auto it = j.find("expires_in"); it != j.end() && it->is_number_integer())
    // Bounded: a server's huge expires_in must not overflow the clock
    // arithmetic below (found by fuzz_www_authenticate); a year is plenty.
    seconds = std::clamp<int64_t>(it->get<int64_t>(), 1, int64_t{365} * 86400);
  t.expires = now + std::chrono::milliseconds(seconds * 900);
  return t;
}

std::string RepositoryScope(std::string_view repo, bool push) {
  return fmt::format("repository:{}:{}", repo, push ? "pull,push" : "pull");
}

}  // namespace berth::image
