#include "cli/client/container_format.h"

#include <ctime>
#include <set>

#include <fmt/core.h>

#include "base/clock.h"
#include "cli/client/json_fields.h"

namespace berth::cli {

using nlohmann::json;

std::string TruncateId(std::string_view id) {
  if (id.starts_with("sha256:")) id.remove_prefix(7);
  return std::string(id.substr(0, 12));
}

namespace {

// The byte length of the UTF-8 sequence that starts with `c` (1 for bytes
// that are not a valid start, so that bad input still advances).
size_t RuneLength(unsigned char c) {
  if (c >= 0xF0 && c < 0xF8) return 4;
  if (c >= 0xE0) return c < 0xF0 ? 3 : 1;
  if (c >= 0xC0) return 2;
  return 1;
}

}  // namespace

std::string Ellipsis(std::string_view s, size_t width) {
  if (width == 0) return "";
  std::vector<std::string_view> runes;
  for (size_t i = 0; i < s.size();) {
    size_t n = std::min(RuneLength(static_cast<unsigned char>(s[i])), s.size() - i);
    runes.push_back(s.substr(i, n));
    i += n;
  }
  if (runes.size() <= width) return std::string(s);
  std::string out;
  for (size_t i = 0; i + 1 < width; i++) out += runes[i];
  return out + "…";
}

std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        // Control bytes as Go writes them; UTF-8 text passes as it is.
        if (c < 0x20 || c == 0x7f)
          out += fmt::format("\\x{:02x}", c);
        else
          out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string PsCommand(std::string_view command, bool no_trunc) {
  return no_trunc ? GoQuote(command) : GoQuote(Ellipsis(command, 20));
}

std::string PsNames(const json& names, bool no_trunc) {
  std::vector<std::string> all;
  if (names.is_array())
    for (const json& n : names)
      if (n.is_string()) {
        std::string s = n.get<std::string>();
        all.push_back(s.starts_with("/") ? s.substr(1) : s);
      }
  if (!no_trunc)
    for (const std::string& n : all)
      if (n.find('/') == std::string::npos) return n;
  std::string out;
  for (const std::string& n : all) out += (out.empty() ? "" : ",") + n;
  return out;
}

std::string PsPorts(const json& ports) {
  std::string out;
  if (!ports.is_array()) return out;
  for (const json& p : ports) {
    std::string one;
    std::string ip = StrField(p, "IP");
    int64_t pub = IntField(p, "PublicPort"), priv = IntField(p, "PrivatePort");
    std::string type = StrField(p, "Type");
    if (pub != 0)
      one = fmt::format("{}:{}->{}/{}", ip.empty() ? "0.0.0.0" : ip, pub, priv, type);
    else
      one = fmt::format("{}/{}", priv, type);
    out += (out.empty() ? "" : ", ") + one;
  }
  return out;
}

std::string PsLabels(const json& labels) {
  std::string out;
  if (!labels.is_object()) return out;
  std::map<std::string, std::string> sorted;
  for (auto& [k, v] : labels.items()) sorted[k] = v.is_string() ? v.get<std::string>() : "";
  for (const auto& [k, v] : sorted) out += (out.empty() ? "" : ",") + k + "=" + v;
  return out;
}

std::string GoTimeString(int64_t unix_seconds) {
  time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm {};
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %z %Z", &tm);
  return buf;
}

Result<std::string> FiltersJson(const std::vector<std::string>& filters) {
  json m = json::object();
  for (const std::string& f : filters) {
    size_t eq = f.find('=');
    if (eq == std::string::npos) return Fail("bad format of filter (expected name=value)");
    std::string key = f.substr(0, eq);
    // docker lowercases and trims the key, keeps the value as given.
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    m[key][f.substr(eq + 1)] = true;
  }
  return m.dump();
}

Status LogDemuxer::Feed(std::string_view data) {
  pending_.append(data);
  size_t off = 0;
  while (pending_.size() - off >= 8) {
    const auto* h = reinterpret_cast<const unsigned char*>(pending_.data() + off);
    uint32_t len = (uint32_t{h[4]} << 24) | (uint32_t{h[5]} << 16) | (uint32_t{h[6]} << 8) | h[7];
    if (pending_.size() - off - 8 < len) break;
    int stream = h[0];
    if (stream > 3) return Fail("log stream: unexpected stream id {}", stream);
    auto st = out_(stream, std::string_view(pending_).substr(off + 8, len));
    if (!st) return st;
    off += 8 + len;
  }
  pending_.erase(0, off);
  return Ok();
}

Result<std::vector<std::string>> ParseEnvFile(
    std::string_view content, const std::function<const char*(const std::string&)>& lookup) {
  std::vector<std::string> out;
  size_t n = 0;
  while (!content.empty()) {
    n++;
    size_t nl = content.find('\n');
    std::string line(content.substr(0, nl));
    content = nl == std::string_view::npos ? std::string_view{} : content.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t b = line.find_first_not_of(" \t");
    if (b == std::string::npos) continue;
    line.erase(0, b);
    if (line[0] == '#') continue;
    size_t eq = line.find('=');
    std::string name = line.substr(0, eq);
    if (name.empty()) return Fail("no variable name on line '{}'", line);
    if (name.find_first_of(" \t") != std::string::npos)
      return Fail("variable '{}' contains whitespaces", name);
    if (eq == std::string::npos) {
      const char* v = lookup ? lookup(name) : nullptr;
      out.push_back(v ? name + "=" + v : name);
    } else {
      out.push_back(line);
    }
  }
  (void)n;
  return out;
}

// --since/--until as the API takes them, unix seconds: a Go duration
// ("10m", "1h30m", "5s") counts back from now; an RFC 3339 time is
// converted, as docker's CLI does (the daemon reads only seconds[.nanos]);
// anything else is passed on for the daemon to judge.
std::string ApiTimestamp(const std::string& v, int64_t now) {
  if (v.empty()) return v;
  int64_t total = 0, num = 0;
  bool digits = false, ok = true;
  for (size_t i = 0; i < v.size(); i++) {
    char c = v[i];
    if (c >= '0' && c <= '9') {
      num = num * 10 + (c - '0');
      digits = true;
      continue;
    }
    int64_t unit = 0;
    if (c == 'h') unit = 3600;
    if (c == 's') unit = 1;
    if (c == 'm') unit = (i + 1 < v.size() && v[i + 1] == 's') ? 0 : 60;
    if (c == 'm' && unit == 0) i++;  // "ms": under a second, counts as 0
    if ((unit == 0 && c != 'm') || !digits) {
      ok = false;
      break;
    }
    total += num * unit;
    num = 0;
    digits = false;
  }
  if (ok && !digits) return std::to_string(now - total);
  if (int64_t secs = ParseRfc3339Seconds(v); secs > 0) return std::to_string(secs);
  return v;  // plain seconds, or something the daemon will refuse
}

}  // namespace berth::cli
