#include "engine/container_config.h"

#include <signal.h>

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "spec/json_reader.h"

namespace berth::engine {
namespace {

using nlohmann::json;
using spec::FieldPath;
using spec::Member;
using spec::ReadField;

// docker's StrSlice: a JSON string means a one-element list.
Result<std::optional<std::vector<std::string>>> ReadStrSlice(const json& obj, std::string_view key,
                                                             std::string_view parent) {
  const json* m = Member(obj, key);
  if (m == nullptr) return std::optional<std::vector<std::string>>();
  std::string path = FieldPath(parent, key);
  if (m->is_string()) return std::vector<std::string>{m->get<std::string>()};
  if (!m->is_array()) return Fail("{}: must be a string or an array of strings", path);
  return TRY(spec::ReadStrings(*m, path));
}

// "host", "container:NAME" or empty (a new namespace); `privates` are other
// spellings of a new one ("private", "shareable" for IPC).
Result<NamespaceMode> ReadNamespaceMode(const json& obj, std::string_view key,
                                        std::string_view what,
                                        std::initializer_list<std::string_view> privates) {
  std::string s;
  TRY(ReadField(obj, key, "HostConfig", &s));
  NamespaceMode m;
  if (s.empty()) return m;
  for (auto p : privates)
    if (s == p) return m;
  if (s == "host") {
    m.kind = NamespaceMode::kHost;
    return m;
  }
  if (s.starts_with("container:") && s.size() > 10) {
    m.kind = NamespaceMode::kContainer;
    m.container = s.substr(10);
    return m;
  }
  return Fail("invalid {} mode: {}", what, s);
}

Result<NetworkMode> ReadNetworkMode(const json& obj) {
  std::string s;
  TRY(ReadField(obj, "NetworkMode", "HostConfig", &s));
  NetworkMode m;
  if (s.empty() || s == "default" || s == "bridge") return m;
  if (s == "none") {
    m.kind = NetworkMode::kNone;
  } else if (s == "host") {
    m.kind = NetworkMode::kHost;
  } else if (s.starts_with("container:") && s.size() > 10) {
    m.kind = NetworkMode::kContainer;
    m.container = s.substr(10);
  } else {
    // A user-defined network: berth has none yet (docker's 404 wording).
    return FailAs(ENOENT, "network {} not found", s);
  }
  return m;
}

Result<LogConfig> ReadLogConfig(const json& host) {
  LogConfig lc;
  const json* j = Member(host, "LogConfig");
  if (j == nullptr) return lc;
  TRY(spec::ExpectObject(*j, "HostConfig.LogConfig"));
  std::string type;
  TRY(ReadField(*j, "Type", "HostConfig.LogConfig", &type));
  if (!type.empty()) lc.type = type;
  if (lc.type != "json-file" && lc.type != "none")
    return Fail("logger: no log driver named '{}' is registered", lc.type);
  TRY(ReadField(*j, "Config", "HostConfig.LogConfig", &lc.config));
  for (const auto& [k, v] : lc.config) {
    if (lc.type == "json-file" && k == "max-size") {
      lc.max_size = TRY(ParseSize(v));
      if (lc.max_size <= 0) lc.max_size = -1;  // docker: 0 and negative mean unlimited
    } else if (lc.type == "json-file" && k == "max-file") {
      int64_t n = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc() || p != v.data() + v.size())
        return Fail("invalid value for max-file: '{}'", v);
      if (n < 1) return Fail("max-file cannot be less than 1");
      lc.max_file = n;
    } else {
      return Fail("unknown log opt '{}' for {} log driver", k, lc.type);
    }
  }
  if (lc.max_file > 1 && lc.max_size < 0)
    return Fail("max-file can only be used together with max-size");
  return lc;
}

struct SignalName {
  std::string_view name;
  int number;
};

constexpr std::array<SignalName, 31> kSignals = {{
    {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},     {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},
    {"FPE", SIGFPE},       {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
    {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
    {"WINCH", SIGWINCH},   {"IO", SIGIO},     {"SYS", SIGSYS},
}};

bool ParseInt(std::string_view s, int* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::string NamespaceMode::String() const {
  switch (kind) {
    case kHost:
      return "host";
    case kContainer:
      return "container:" + container;
    case kPrivate:
      break;
  }
  return "";
}

std::string NetworkMode::String() const {
  switch (kind) {
    case kNone:
      return "none";
    case kHost:
      return "host";
    case kContainer:
      return "container:" + container;
    case kBridge:
      break;
  }
  return "default";
}

Result<int> ParseSignal(std::string_view s) {
  int n = 0;
  if (ParseInt(s, &n)) {
    if (n < 1 || n > SIGRTMAX) return Fail("Invalid signal: {}", s);
    return n;
  }
  std::string up;
  for (char c : s) up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string_view name = up;
  if (name.starts_with("SIG")) name.remove_prefix(3);
  for (const auto& sig : kSignals)
    if (sig.name == name) return sig.number;
  // SIGRTMIN+n and SIGRTMAX-n, as the kernel numbers them.
  if (name.starts_with("RTMIN")) {
    std::string_view rest = name.substr(5);
    int off = 0;
    if (rest.empty() || (rest[0] == '+' && ParseInt(rest.substr(1), &off))) {
      if (SIGRTMIN + off <= SIGRTMAX) return SIGRTMIN + off;
    }
  } else if (name.starts_with("RTMAX")) {
    std::string_view rest = name.substr(5);
    int off = 0;
    if (rest.empty() || (rest[0] == '-' && ParseInt(rest.substr(1), &off))) {
      if (SIGRTMAX - off >= SIGRTMIN) return SIGRTMAX - off;
    }
  }
  return Fail("Invalid signal: {}", s);
}

Result<int64_t> ParseSize(std::string_view s) {
  // A decimal number, then an optional unit letter and an optional "b"
  // (go-units' RAMInBytes: binary multiples, case-insensitive).
  size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  std::string num(s.substr(0, i));
  std::string unit;
  for (char c : s.substr(i)) unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (num.empty() || num.front() == '.' || num.back() == '.') return Fail("invalid size: '{}'", s);
  char* end = nullptr;
  double v = std::strtod(num.c_str(), &end);
  if (end != num.c_str() + num.size()) return Fail("invalid size: '{}'", s);
  if (unit.ends_with("ib")) unit.erase(unit.size() - 2, 1);  // "kib" as "kb"
  if (unit.ends_with("b")) unit.pop_back();
  double mult = 1;
  if (unit == "k") {
    mult = 1024.0;
  } else if (unit == "m") {
    mult = 1024.0 * 1024;
  } else if (unit == "g") {
    mult = 1024.0 * 1024 * 1024;
  } else if (unit == "t") {
    mult = 1024.0 * 1024 * 1024 * 1024;
  } else if (unit == "p") {
    mult = 1024.0 * 1024 * 1024 * 1024 * 1024;
  } else if (!unit.empty()) {
    return Fail("invalid size: '{}'", s);
  }
  double bytes = v * mult;
  if (!std::isfinite(bytes) || bytes > 9.2e18) return Fail("invalid size: '{}'", s);
  return static_cast<int64_t>(bytes);
}

Result<ContainerConfig> ParseContainerConfig(const json& j) {
  constexpr std::string_view p = "Config";
  TRY(spec::ExpectObject(j, std::string(p)));
  ContainerConfig c;
  TRY(ReadField(j, "Hostname", p, &c.hostname));
  TRY(ReadField(j, "Domainname", p, &c.domainname));
  TRY(ReadField(j, "User", p, &c.user));
  TRY(ReadField(j, "Env", p, &c.env));
  for (size_t i = 0; i < c.env.size(); ++i) {
    // "=x" has no name: no program could read it, and docker refuses it.
    if (c.env[i].empty() || c.env[i][0] == '=')
      return Fail("{}: invalid environment variable: {}", spec::IndexPath("Config.Env", i),
                  c.env[i]);
  }
  c.cmd = TRY(ReadStrSlice(j, "Cmd", p));
  c.entrypoint = TRY(ReadStrSlice(j, "Entrypoint", p));
  TRY(ReadField(j, "WorkingDir", p, &c.working_dir));
  if (!c.working_dir.empty() && c.working_dir[0] != '/')
    return Fail("the working directory '{}' is invalid, it needs to be an absolute path",
                c.working_dir);
  TRY(ReadField(j, "Labels", p, &c.labels));
  TRY(ReadField(j, "StopSignal", p, &c.stop_signal));
  if (!c.stop_signal.empty()) TRY(ParseSignal(c.stop_signal));
  TRY(ReadField(j, "StopTimeout", p, &c.stop_timeout));
  TRY(ReadField(j, "Tty", p, &c.tty));
  TRY(ReadField(j, "OpenStdin", p, &c.open_stdin));
  TRY(ReadField(j, "StdinOnce", p, &c.stdin_once));
  TRY(ReadField(j, "AttachStdin", p, &c.attach_stdin));
  TRY(ReadField(j, "AttachStdout", p, &c.attach_stdout));
  TRY(ReadField(j, "AttachStderr", p, &c.attach_stderr));
  TRY(ReadField(j, "Image", p, &c.image));
  // Config.Volumes is a set: {"/path": {}}.
  if (const json* volumes = Member(j, "Volumes"); volumes != nullptr && !volumes->is_null()) {
    if (!volumes->is_object()) return Fail("Config.Volumes: must be an object");
    for (const auto& [path, unused] : volumes->items()) c.volumes.push_back(path);
  }
  c.healthcheck = TRY(ParseHealthConfig(j));
  return c;
}

Result<HostConfig> ParseHostConfig(const json& given) {
  // An absent HostConfig is an empty one: the areas' defaults (ShmSize,
  // RestartPolicy "no") apply as they do to a given one.
  static const json kEmpty = json::object();
  const json& j = given.is_null() ? kEmpty : given;
  HostConfig h;
  constexpr std::string_view p = "HostConfig";
  TRY(spec::ExpectObject(j, std::string(p)));
  TRY(ReadField(j, "AutoRemove", p, &h.auto_remove));
  TRY(ReadField(j, "Init", p, &h.init));
  h.log_config = TRY(ReadLogConfig(j));
  h.network_mode = TRY(ReadNetworkMode(j));
  h.pid_mode = TRY(ReadNamespaceMode(j, "PidMode", "PID", {}));
  h.ipc_mode = TRY(ReadNamespaceMode(j, "IpcMode", "IPC", {"private", "shareable"}));
  h.uts_mode = TRY(ReadNamespaceMode(j, "UTSMode", "UTS", {}));
  TRY(ReadField(j, "UsernsMode", p, &h.userns_mode));
  if (!h.userns_mode.empty() && h.userns_mode != "host")
    return Fail("HostConfig.UsernsMode: invalid user namespace mode: {}", h.userns_mode);
  h.resources = TRY(ParseResources(j));
  // Namespaced sysctls need the namespace to be the container's own.
  h.security = TRY(ParseSecurity(j, {.own_ipc = h.ipc_mode.kind == NamespaceMode::kPrivate,
                                     .own_net = h.network_mode.kind == NetworkMode::kBridge ||
                                                h.network_mode.kind == NetworkMode::kNone}));
  h.storage = TRY(ParseStorage(j));
  h.restart_policy = TRY(ParseRestartPolicy(j));
  return h;
}

Result<CreateRequest> ParseCreateRequest(std::string_view body) {
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Fail("invalid JSON in the request body");
  if (!doc.is_object()) return Fail("the request body must be a JSON object");
  CreateRequest r;
  r.config = TRY(ParseContainerConfig(doc));
  const json* host = Member(doc, "HostConfig");
  r.host_config = TRY(ParseHostConfig(host != nullptr ? *host : json(nullptr)));
  // A hostname is set in a UTS namespace of the container's own; sharing
  // another's (or the host's) leaves nowhere to set it (docker's errors).
  if (!r.config.hostname.empty()) {
    if (r.host_config.uts_mode.kind == NamespaceMode::kHost)
      return Fail("conflicting options: hostname and the UTS mode");
    if (r.host_config.network_mode.kind == NetworkMode::kContainer)
      return Fail("conflicting options: hostname and the network mode");
  }
  return r;
}

json ToJson(const ContainerConfig& c) {
  json j = {{"Hostname", c.hostname},
            {"Domainname", c.domainname},
            {"User", c.user},
            {"Env", c.env},
            {"WorkingDir", c.working_dir},
            {"Labels", c.labels},
            {"Tty", c.tty},
            {"OpenStdin", c.open_stdin},
            {"StdinOnce", c.stdin_once},
            {"AttachStdin", c.attach_stdin},
            {"AttachStdout", c.attach_stdout},
            {"AttachStderr", c.attach_stderr},
            {"Image", c.image}};
  j["Cmd"] = c.cmd ? json(*c.cmd) : json(nullptr);
  j["Entrypoint"] = c.entrypoint ? json(*c.entrypoint) : json(nullptr);
  if (!c.stop_signal.empty()) j["StopSignal"] = c.stop_signal;
  if (c.stop_timeout) j["StopTimeout"] = *c.stop_timeout;
  json volumes = json::object();
  for (const auto& path : c.volumes) volumes[path] = json::object();
  j["Volumes"] = volumes;
  HealthConfigToJson(c.healthcheck, &j);
  return j;
}

json ToJson(const HostConfig& h) {
  json j = {
      {"AutoRemove", h.auto_remove},
      {"LogConfig", {{"Type", h.log_config.type}, {"Config", h.log_config.config}}},
      {"NetworkMode", h.network_mode.String()},
      {"PidMode", h.pid_mode.String()},
      {"IpcMode", h.ipc_mode.kind == NamespaceMode::kPrivate ? "private" : h.ipc_mode.String()},
      {"UTSMode", h.uts_mode.String()}};
  j["Init"] = h.init ? json(*h.init) : json(nullptr);
  j["UsernsMode"] = h.userns_mode;
  ResourcesToJson(h.resources, &j);
  SecurityToJson(h.security, &j);
  StorageToJson(h.storage, &j);
  RestartPolicyToJson(h.restart_policy, &j);
  return j;
}

}  // namespace berth::engine
