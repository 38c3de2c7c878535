#include "api/router.h"

#include <cstdlib>

#include <fmt/core.h>

namespace berth::api {

namespace {

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.emplace_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

bool IsParam(const std::string& s) { return s.size() > 2 && s.front() == '{' && s.back() == '}'; }

}  // namespace

int CompareApiVersions(std::string_view a, std::string_view b) {
  auto parse = [](std::string_view v, long& major, long& minor) {
    std::string s(v);
    char* end = nullptr;
    major = std::strtol(s.c_str(), &end, 10);
    minor = (end && *end == '.') ? std::strtol(end + 1, nullptr, 10) : 0;
  };
  long am, an, bm, bn;
  parse(a, am, an);
  parse(b, bm, bn);
  if (am != bm) return am < bm ? -1 : 1;
  if (an != bn) return an < bn ? -1 : 1;
  return 0;
}

void Router::Add(std::string method, std::string pattern, Handler handler) {
  routes_.push_back({std::move(method), Split(pattern), std::move(handler)});
}

bool Router::Match(const Route& r, const std::vector<std::string>& segs,
                   std::map<std::string, std::string>& params) {
  // One param per pattern at most (all docker routes fit): literals before
  // it match the front, literals after it the back, the param the rest.
  size_t p = r.segments.size();
  for (size_t i = 0; i < r.segments.size(); i++)
    if (IsParam(r.segments[i])) p = i;
  if (p == r.segments.size()) return r.segments == segs;
  size_t after = r.segments.size() - p - 1;
  if (segs.size() < p + 1 + after) return false;
  for (size_t i = 0; i < p; i++)
    if (r.segments[i] != segs[i]) return false;
  for (size_t i = 0; i < after; i++)
    if (r.segments[r.segments.size() - 1 - i] != segs[segs.size() - 1 - i]) return false;
  std::string value;
  for (size_t i = p; i < segs.size() - after; i++) value += (i > p ? "/" : "") + segs[i];
  const std::string& name = r.segments[p];
  params[name.substr(1, name.size() - 2)] = value;
  return true;
}

void Router::Dispatch(const std::string& method, const std::string& target, HttpRequest req,
                      HttpResponder& out) const {
  std::string_view t = target;
  std::string_view raw_path = t.substr(0, t.find('?'));
  if (size_t q = t.find('?'); q != std::string_view::npos) {
    std::string_view qs = t.substr(q + 1);
    while (!qs.empty()) {
      size_t amp = qs.find('&');
      std::string_view kv = qs.substr(0, amp);
      qs = amp == std::string_view::npos ? std::string_view() : qs.substr(amp + 1);
      if (kv.empty()) continue;
      size_t eq = kv.find('=');
      req.query.emplace(QueryDecode(kv.substr(0, eq)),
                        eq == std::string_view::npos ? "" : QueryDecode(kv.substr(eq + 1)));
    }
  }
  // Segments are split before decoding, so an encoded "/" (%2F) inside an
  // image name stays part of its segment.
  std::vector<std::string> segs = Split(raw_path);
  req.api_version = kMaxApiVersion;
  if (!segs.empty() && segs[0].size() > 1 && segs[0][0] == 'v' && std::isdigit(segs[0][1])) {
    std::string v = segs[0].substr(1);
    if (CompareApiVersions(v, kMinApiVersion) < 0)
      return out.SendError(400, fmt::format("client version {} is too old. Minimum supported API "
                                            "version is {}, please upgrade your client to a "
                                            "newer version",
                                            v, kMinApiVersion));
    if (CompareApiVersions(v, kMaxApiVersion) > 0)
      return out.SendError(400, fmt::format("client version {} is too new. Maximum supported API "
                                            "version is {}",
                                            v, kMaxApiVersion));
    req.api_version = v;
    segs.erase(segs.begin());
  }
  for (std::string& s : segs) s = UrlDecode(s);
  req.method = method;
  req.path = "/";
  for (size_t i = 0; i < segs.size(); i++) req.path += (i ? "/" : "") + segs[i];

  bool path_known = false;
  for (const Route& r : routes_) {
    std::map<std::string, std::string> params;
    if (!Match(r, segs, params)) continue;
    path_known = true;
    if (r.method != method && !(method == "HEAD" && r.method == "GET")) continue;
    req.params = std::move(params);
    return r.handler(req, out);
  }
  if (path_known) return out.SendError(405, "method not allowed");
  out.SendError(404, "page not found");
}

}  // namespace berth::api
