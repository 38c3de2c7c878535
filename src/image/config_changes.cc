#include "image/config_changes.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <string_view>

#include <fmt/core.h>

namespace berth::image {

namespace {

using nlohmann::json;

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view TrimLeft(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  return s;
}

std::string_view Trim(std::string_view s) {
  s = TrimLeft(s);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The first word of `s` and what follows it (left-trimmed).
std::pair<std::string_view, std::string_view> FirstWord(std::string_view s) {
  s = TrimLeft(s);
  size_t end = 0;
  while (end < s.size() && !IsSpace(s[end])) end++;
  return {s.substr(0, end), TrimLeft(s.substr(end))};
}

// The variables $VAR expands from: the config's Env as it is before the
// line being applied (a variable set and used in one ENV line takes its
// old value, as in a Dockerfile).
using EnvMap = std::map<std::string, std::string, std::less<>>;

EnvMap EnvOf(const json& config) {
  EnvMap env;
  auto it = config.find("Env");
  if (it == config.end() || !it->is_array()) return env;
  for (const json& e : *it) {
    if (!e.is_string()) continue;
    const std::string& kv = e.get_ref<const std::string&>();
    size_t eq = kv.find('=');
    env.emplace(kv.substr(0, eq), eq == std::string::npos ? "" : kv.substr(eq + 1));
  }
  return env;
}

// The Dockerfile's word split: whitespace outside quotes separates words.
// Quotes and backslashes stay in the words; Expander removes them.
std::vector<std::string> SplitWords(std::string_view rest) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false, blank_ok = false;  // blank_ok: '' or "" is a word
  char quote = 0;
  auto finish = [&] {
    if (in_word && (blank_ok || !word.empty())) words.push_back(word);
    word.clear();
    in_word = blank_ok = false;
  };
  for (size_t i = 0; i < rest.size(); i++) {
    char c = rest[i];
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"') {
        if (i + 1 == rest.size()) continue;
        word += c;
        c = rest[++i];
      }
      word += c;
      continue;
    }
    if (IsSpace(c)) {
      finish();
      continue;
    }
    in_word = true;
    if (c == '\'' || c == '"') {
      quote = c;
      blank_ok = true;
    } else if (c == '\\') {
      if (i + 1 == rest.size()) continue;
      word += c;
      c = rest[++i];
    }
    word += c;
  }
  finish();
  return words;
}

// One word as the Dockerfile's shell lexer reads it: quotes removed,
// backslash escapes resolved, $VAR and ${VAR...} expanded from `env`.
class Expander {
 public:
  Expander(std::string_view s, const EnvMap& env) : s_(s), env_(env) {}

  Result<std::string> Word() { return Until(0); }

 private:
  bool AtEnd() const { return pos_ >= s_.size(); }

  // Reads to the end, or up to (not past) `stop`.
  Result<std::string> Until(char stop) {
    std::string out;
    while (!AtEnd()) {
      char c = s_[pos_];
      if (stop && c == stop) break;
      pos_++;
      // Each part is taken into a local before it is appended: g++ 12
      // leaks `out` when TRY returns from inside `out += TRY(...)`.
      Result<std::string> part;
      switch (c) {
        case '\'':
          part = SingleQuoted();
          break;
        case '"':
          part = DoubleQuoted();
          break;
        case '$':
          part = Dollar();
          break;
        case '\\':
          part = AtEnd() ? std::string() : std::string(1, s_[pos_++]);
          break;
        default:
          part = std::string(1, c);
      }
      if (!part) return std::unexpected(std::move(part).error());
      out += *part;
    }
    return out;
  }

  Result<std::string> SingleQuoted() {
    size_t end = s_.find('\'', pos_);
    if (end == std::string_view::npos)
      return Fail("unexpected end of statement while looking for matching single-quote");
    std::string out(s_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return out;
  }

  // Inside "...", a backslash escapes only '"', '$' and itself.
  Result<std::string> DoubleQuoted() {
    std::string out;
    while (true) {
      if (AtEnd())
        return Fail("unexpected end of statement while looking for matching double-quote");
      char c = s_[pos_++];
      if (c == '"') return out;
      if (c == '$') {
        auto value = Dollar();
        if (!value) return std::unexpected(std::move(value).error());
        out += *value;
        continue;
      }
      if (c == '\\' && !AtEnd() && (s_[pos_] == '"' || s_[pos_] == '$' || s_[pos_] == '\\'))
        c = s_[pos_++];
      out += c;
    }
  }

  std::string Name() {
    size_t start = pos_;
    while (!AtEnd() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_'))
      pos_++;
    return std::string(s_.substr(start, pos_ - start));
  }

  std::optional<std::string> Lookup(const std::string& name) const {
    auto it = env_.find(name);
    if (it == env_.end()) return std::nullopt;
    return it->second;
  }

  // After a '$': a name, or ${name}, ${name:-word}, ${name:+word},
  // ${name:?message} and the forms without ':' (which test set rather
  // than set and non-empty). A '$' before anything else is itself.
  Result<std::string> Dollar() {
    if (AtEnd() || s_[pos_] != '{') {
      std::string name = Name();
      if (name.empty()) return std::string("$");
      return Lookup(name).value_or("");
    }
    pos_++;
    std::string name = Name();
    if (name.empty()) return Fail("bad substitution: no variable name after ${{");
    if (AtEnd()) return Fail("missing '}}' after ${{{}", name);
    char m = s_[pos_++];
    if (m == '}') return Lookup(name).value_or("");
    bool colon = m == ':';
    if (colon) {
      if (AtEnd()) return Fail("missing '}}' after ${{{}:", name);
      m = s_[pos_++];
    }
    if (m != '-' && m != '+' && m != '?')
      return Fail("unsupported modifier ({}) in substitution of {}", m, name);
    std::string word = TRY(Until('}'));
    if (AtEnd()) return Fail("missing '}}' after ${{{}", name);
    pos_++;
    auto value = Lookup(name);
    bool present = colon ? value && !value->empty() : value.has_value();
    if (m == '-') return present ? *value : word;
    if (m == '+') return present ? word : std::string();
    if (!present) return Fail("{}: {}", name, word.empty() ? "is not allowed to be unset" : word);
    return *value;
  }

  std::string_view s_;
  const EnvMap& env_;
  size_t pos_ = 0;
};

Result<std::string> Expand(std::string_view word, const EnvMap& env) {
  return Expander(word, env).Word();
}

// The exec form: a JSON array of strings. Anything else, JSON of another
// shape included, is the shell form (as the Dockerfile parser decides).
std::optional<std::vector<std::string>> ExecForm(std::string_view rest) {
  if (!rest.starts_with('[')) return std::nullopt;
  json j = json::parse(rest, nullptr, false);
  if (!j.is_array()) return std::nullopt;
  std::vector<std::string> args;
  for (const json& e : j) {
    if (!e.is_string()) return std::nullopt;
    args.push_back(e.get<std::string>());
  }
  return args;
}

// CMD and ENTRYPOINT: the exec form as given; the shell form run by
// /bin/sh -c with the line exactly as written.
Result<json> CommandLine(std::string_view instr, std::string_view rest) {
  if (auto exec = ExecForm(rest)) return json(*exec);
  if (rest.empty()) return Fail("{} requires at least one argument", instr);
  return json::array({"/bin/sh", "-c", std::string(rest)});
}

struct KeyValue {
  std::string key, value;
};

// ENV and LABEL: "k=v k2=v2 ..." or the old "k the rest of the line",
// decided by whether the first word holds '='.
Result<std::vector<KeyValue>> NameValues(std::string_view instr, std::string_view rest,
                                         const EnvMap& env) {
  std::vector<std::string> words = SplitWords(rest);
  if (words.empty()) return Fail("{} requires at least one argument", instr);
  std::vector<KeyValue> raw;
  if (words[0].find('=') == std::string::npos) {
    auto [key, value] = FirstWord(rest);
    if (value.empty()) return Fail("{} must have two arguments", instr);
    raw.push_back({std::string(key), std::string(value)});
  } else {
    for (const std::string& w : words) {
      size_t eq = w.find('=');
      if (eq == std::string::npos)
        return Fail("Syntax error - can't find = in {:?}. Must be of the form: name=value", w);
      raw.push_back({w.substr(0, eq), w.substr(eq + 1)});
    }
  }
  std::vector<KeyValue> out;
  for (const KeyValue& kv : raw) {
    std::string key = TRY(Expand(kv.key, env));
    std::string value = TRY(Expand(kv.value, env));
    if (key.empty()) return Fail("{} names can not be blank", instr);
    out.push_back({std::move(key), std::move(value)});
  }
  return out;
}

// path.Clean for an absolute path.
std::string CleanAbsolute(std::string_view p) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    std::string_view part = p.substr(i, j - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = j + 1;
  }
  std::string out;
  for (std::string_view part : parts) out += "/" + std::string(part);
  return out.empty() ? "/" : out;
}

std::optional<uint32_t> ParseUint(std::string_view s, uint32_t max) {
  uint32_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

// One EXPOSE spec: port, port/proto, start-end/proto ([ip:][host:] before
// the container port is accepted and ignored, as docker does).
Status AddPorts(json& ports, std::string_view spec) {
  std::string proto = "tcp";
  if (size_t slash = spec.find('/'); slash != std::string_view::npos) {
    proto = Lower(spec.substr(slash + 1));
    spec = spec.substr(0, slash);
  }
  if (proto != "tcp" && proto != "udp" && proto != "sctp") return Fail("invalid proto: {}", proto);
  if (size_t colon = spec.rfind(':'); colon != std::string_view::npos)
    spec = spec.substr(colon + 1);
  std::string_view first = spec, last = spec;
  if (size_t dash = spec.find('-'); dash != std::string_view::npos) {
    first = spec.substr(0, dash);
    last = spec.substr(dash + 1);
  }
  auto lo = ParseUint(first, 65535), hi = ParseUint(last, 65535);
  if (!lo || !hi) return Fail("invalid containerPort: {}", spec);
  if (*hi < *lo) return Fail("invalid range specified for container port: {}", spec);
  for (uint32_t p = *lo; p <= *hi; p++) ports[fmt::format("{}/{}", p, proto)] = json::object();
  return Ok();
}

// STOPSIGNAL takes what docker's signal parser takes: a number, or a
// Linux signal name with or without "SIG", in any case.
bool IsSignal(std::string_view s) {
  if (auto n = ParseUint(s, 64)) return *n > 0;
  std::string name = Upper(s);
  if (name.starts_with("SIG")) name = name.substr(3);
  static const char* const kNames[] = {
      "ABRT", "ALRM",   "BUS",  "CHLD",   "CLD",   "CONT", "FPE",  "HUP",   "ILL",
      "INT",  "IO",     "IOT",  "KILL",   "PIPE",  "POLL", "PROF", "PWR",   "QUIT",
      "SEGV", "STKFLT", "STOP", "SYS",    "TERM",  "TRAP", "TSTP", "TTIN",  "TTOU",
      "URG",  "USR1",   "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ", "RTMIN", "RTMAX"};
  if (std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames)) return true;
  // Real-time signals as RTMIN+n and RTMAX-n (SIGRTMIN..SIGRTMAX is 30 wide).
  for (std::string_view base : {"RTMIN+", "RTMAX-"})
    if (name.starts_with(base))
      if (auto n = ParseUint(std::string_view(name).substr(base.size()), 30)) return *n > 0;
  return false;
}

// A Go duration ("30s", "1m30s", "1.5h", "250ms"), in nanoseconds, as
// HEALTHCHECK's flags take them.
Result<int64_t> ParseDuration(std::string_view s) {
  std::string_view orig = s;
  if (s == "0") return 0;
  if (s.empty()) return Fail("invalid duration {:?}", orig);
  long double total = 0;
  while (!s.empty()) {
    size_t n = 0;
    while (n < s.size() && (std::isdigit(static_cast<unsigned char>(s[n])) || s[n] == '.')) n++;
    size_t u = n;
    while (u < s.size() && !std::isdigit(static_cast<unsigned char>(s[u])) && s[u] != '.') u++;
    std::string number(s.substr(0, n));
    std::string_view unit = s.substr(n, u - n);
    if (number.empty() || number == "." || std::count(number.begin(), number.end(), '.') > 1)
      return Fail("invalid duration {:?}", orig);
    long double scale = unit == "ns"                   ? 1
                        : unit == "us" || unit == "µs" ? 1e3
                        : unit == "ms"                 ? 1e6
                        : unit == "s"                  ? 1e9
                        : unit == "m"                  ? 60e9
                        : unit == "h"                  ? 3600e9
                                                       : 0;
    if (scale == 0) return Fail("invalid duration {:?}: unknown unit {:?}", orig, unit);
    total += std::strtold(number.c_str(), nullptr) * scale;
    s.remove_prefix(u);
  }
  if (total > static_cast<long double>(INT64_MAX)) return Fail("invalid duration {:?}", orig);
  return static_cast<int64_t>(std::llround(total));
}

// HEALTHCHECK [--flag=value ...] CMD command | NONE.
Result<json> HealthCheck(std::string_view rest) {
  std::map<std::string, std::string> flags;
  while (rest.starts_with("--")) {
    auto [flag, after] = FirstWord(rest);
    std::string_view body = flag.substr(2);
    size_t eq = body.find('=');
    std::string name(body.substr(0, eq));
    if (name != "interval" && name != "timeout" && name != "start-period" &&
        name != "start-interval" && name != "retries")
      return Fail("Unknown flag: {}", name);
    if (eq == std::string_view::npos) return Fail("Missing a value on flag: {}", flag);
    flags[name] = std::string(body.substr(eq + 1));
    rest = after;
  }
  auto [type_word, command] = FirstWord(rest);
  std::string type = Upper(type_word);
  if (type == "NONE") {
    if (!flags.empty() || !command.empty()) return Fail("HEALTHCHECK NONE takes no arguments");
    return json{{"Test", {"NONE"}}};
  }
  if (type != "CMD") return Fail("Unknown type {:?} in HEALTHCHECK (try CMD)", type_word);
  json test;
  if (auto exec = ExecForm(command)) {
    test = json::array({"CMD"});
    for (const std::string& a : *exec) test.push_back(a);
  } else {
    if (command.empty()) return Fail("Missing command after HEALTHCHECK CMD");
    test = json::array({"CMD-SHELL", std::string(command)});
  }
  json hc = {{"Test", test}};
  static const std::pair<const char*, const char*> kDurations[] = {
      {"interval", "Interval"},
      {"timeout", "Timeout"},
      {"start-period", "StartPeriod"},
      {"start-interval", "StartInterval"}};
  for (auto [flag, field] : kDurations) {
    auto it = flags.find(flag);
    if (it == flags.end()) continue;
    int64_t ns = TRY_CTX(ParseDuration(it->second), "--{}", flag);
    if (ns != 0 && ns < 1000000) return Fail("--{} {} cannot be less than 1ms", flag, it->second);
    if (ns != 0) hc[field] = ns;
  }
  if (auto it = flags.find("retries"); it != flags.end()) {
    int64_t n = 0;
    auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), n);
    if (ec != std::errc() || p != it->second.data() + it->second.size())
      return Fail("--retries {:?}: not an integer", it->second);
    if (n < 0) return Fail("--retries cannot be negative ({})", n);
    if (n != 0) hc["Retries"] = n;
  }
  return hc;
}

// A member that must be an array (or object), made one when absent or null.
json& ArrayMember(json& config, const char* key) {
  json& m = config[key];
  if (!m.is_array()) m = json::array();
  return m;
}
json& ObjectMember(json& config, const char* key) {
  json& m = config[key];
  if (!m.is_object()) m = json::object();
  return m;
}

// Where every change line starts: the parts of the state that outlive
// one line (whether CMD was set, so a later ENTRYPOINT keeps it).
struct ChangeState {
  bool cmd_set = false;
};

Status ApplyOne(json& config, std::string_view keyword, std::string_view rest, ChangeState& st) {
  std::string instr = Upper(keyword);
  EnvMap env = EnvOf(config);
  if (instr == "CMD") {
    config["Cmd"] = TRY(CommandLine(instr, rest));
    st.cmd_set = true;
  } else if (instr == "ENTRYPOINT") {
    config["Entrypoint"] = TRY(CommandLine(instr, rest));
    // A new entrypoint makes the old command meaningless, unless these
    // very changes set one.
    if (!st.cmd_set) config["Cmd"] = nullptr;
  } else if (instr == "ENV") {
    json& list = ArrayMember(config, "Env");
    for (const KeyValue& kv : TRY(NameValues(instr, rest, env))) {
      std::string entry = kv.key + "=" + kv.value;
      auto same = std::find_if(list.begin(), list.end(), [&](const json& e) {
        if (!e.is_string()) return false;
        const std::string& s = e.get_ref<const std::string&>();
        return s.substr(0, s.find('=')) == kv.key;
      });
      if (same != list.end())
        *same = entry;
      else
        list.push_back(entry);
    }
  } else if (instr == "LABEL") {
    json& labels = ObjectMember(config, "Labels");
    for (const KeyValue& kv : TRY(NameValues(instr, rest, env))) labels[kv.key] = kv.value;
  } else if (instr == "WORKDIR") {
    if (rest.empty()) return Fail("WORKDIR requires exactly one argument");
    std::string dir = TRY(Expand(rest, env));
    if (dir.empty()) return Fail("cannot normalize nothing");
    if (!dir.starts_with('/')) {
      auto cur = config.find("WorkingDir");
      std::string base = cur != config.end() && cur->is_string() ? cur->get<std::string>() : "";
      dir = CleanAbsolute("/" + base + "/" + dir);
    }
    config["WorkingDir"] = dir;
  } else if (instr == "USER") {
    if (rest.empty()) return Fail("USER requires exactly one argument");
    config["User"] = TRY(Expand(rest, env));
  } else if (instr == "EXPOSE") {
    std::vector<std::string> words = SplitWords(rest);
    if (words.empty()) return Fail("EXPOSE requires at least one argument");
    json& ports = ObjectMember(config, "ExposedPorts");
    for (const std::string& w : words) {
      // "$PORTS" with PORTS="80 443" exposes both: the one word that
      // expands into several.
      for (const std::string& spec : SplitWords(TRY(Expand(w, env)))) TRY(AddPorts(ports, spec));
    }
  } else if (instr == "VOLUME") {
    std::vector<std::string> words;
    if (auto exec = ExecForm(rest))
      words = *exec;
    else
      words = SplitWords(rest);
    if (words.empty()) return Fail("VOLUME requires at least one argument");
    json& volumes = ObjectMember(config, "Volumes");
    for (const std::string& w : words) {
      std::string v = TRY(Expand(w, env));
      if (v.empty()) return Fail("VOLUME specified can not be an empty string");
      volumes[v] = json::object();
    }
  } else if (instr == "STOPSIGNAL") {
    if (rest.empty()) return Fail("STOPSIGNAL requires exactly one argument");
    std::string sig = TRY(Expand(rest, env));
    if (!IsSignal(sig)) return Fail("Invalid signal: {}", sig);
    config["StopSignal"] = sig;
  } else if (instr == "ONBUILD") {
    if (rest.empty()) return Fail("ONBUILD requires at least one argument");
    std::string trigger = Upper(FirstWord(rest).first);
    if (trigger == "ONBUILD") return Fail("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    if (trigger == "FROM" || trigger == "MAINTAINER")
      return Fail("{} isn't allowed as an ONBUILD trigger", trigger);
    static const char* const kKnown[] = {
        "ADD",   "ARG", "CMD",   "COPY",       "ENTRYPOINT", "ENV",    "EXPOSE", "HEALTHCHECK",
        "LABEL", "RUN", "SHELL", "STOPSIGNAL", "USER",       "VOLUME", "WORKDIR"};
    if (std::find(std::begin(kKnown), std::end(kKnown), trigger) == std::end(kKnown))
      return Fail("unknown instruction: {}", trigger);
    ArrayMember(config, "OnBuild").push_back(std::string(rest));
  } else if (instr == "HEALTHCHECK") {
    config["Healthcheck"] = TRY(HealthCheck(rest));
  } else {
    return Fail("{} is not a valid change command", keyword);
  }
  return Ok();
}

}  // namespace

Status ApplyConfigChanges(json& config, const std::vector<std::string>& changes) {
  json work = config.is_object() ? config : json::object();
  ChangeState state;
  for (const std::string& line : changes) {
    std::string_view text = Trim(line);
    if (text.empty() || text.starts_with('#')) continue;
    auto [keyword, rest] = FirstWord(text);
    auto st = ApplyOne(work, keyword, Trim(rest), state);
    if (!st) {
      // The refusal of an instruction is docker's message as it is; other
      // errors say which change they come from.
      std::string what = st.error().message();
      if (!what.ends_with("is not a valid change command"))
        what = fmt::format("change {:?}: {}", text, what);
      return std::unexpected(Error::Classified(EINVAL, what));
    }
  }
  config = std::move(work);
  return Ok();
}

}  // namespace berth::image
