// config.json -> Config: the top level, root, process, mounts and hooks, and
// the checks that span sections. linux.* is in spec_linux.cc.
//
// Each reader takes the JSON value and its field path, so an error reads
// "config.json: process.rlimits[1].type: unknown rlimit \"RLIMIT_FOO\"".
// The rules are the spec's MUSTs plus the checks runc makes before it
// starts anything; unknown members are ignored, as the spec allows.
#include "spec/runtime_spec.h"

#include <algorithm>
#include <set>

#include "spec/json_reader.h"
#include "spec/spec_parse.h"

namespace berth::spec {

using nlohmann::json;

bool IsKnown(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

Result<void> CheckAbsolute(const std::string& value, const std::string& path) {
  if (value.empty() || value[0] != '/') {
    return Fail("{}: must be an absolute path, got {}", path, Quote(value));
  }
  return {};
}

Result<IdMapping> ParseIdMapping(const json& j, const std::string& path) {
  TRY(ExpectObject(j, path));
  IdMapping m;
  TRY(ReadRequired(j, "containerID", path, &m.container_id));
  TRY(ReadRequired(j, "hostID", path, &m.host_id));
  TRY(ReadRequired(j, "size", path, &m.size));
  if (m.size == 0) return Fail("{}.size: must be greater than 0", path);
  return m;
}

Result<std::vector<IdMapping>> ParseIdMappings(const json& obj, std::string_view key,
                                               std::string_view parent) {
  std::vector<IdMapping> out;
  const json* list = Member(obj, key);
  if (list == nullptr) return out;
  std::string path = FieldPath(parent, key);
  TRY(ExpectArray(*list, path));
  for (size_t i = 0; i < list->size(); ++i) {
    out.push_back(TRY(ParseIdMapping((*list)[i], IndexPath(path, i))));
  }
  return out;
}

namespace {

// --- process --------------------------------------------------------------

Result<User> ParseUser(const json& j, const std::string& path) {
  TRY(ExpectObject(j, path));
  User u;
  TRY(ReadField(j, "uid", path, &u.uid));
  TRY(ReadField(j, "gid", path, &u.gid));
  TRY(ReadField(j, "umask", path, &u.umask));
  TRY(ReadField(j, "additionalGids", path, &u.additional_gids));
  TRY(ReadField(j, "username", path, &u.username));
  return u;
}

Result<Capabilities> ParseCapabilities(const json& j, const std::string& path) {
  TRY(ExpectObject(j, path));
  Capabilities caps;
  const std::pair<const char*, std::vector<std::string>*> sets[] = {
      {"bounding", &caps.bounding},       {"effective", &caps.effective},
      {"inheritable", &caps.inheritable}, {"permitted", &caps.permitted},
      {"ambient", &caps.ambient},
  };
  for (const auto& [key, names] : sets) {
    TRY(ReadField(j, key, path, names));
    for (const std::string& name : *names) {
      if (!IsKnown(KnownCapabilities(), name)) {
        return Fail("{}: unknown capability {}", FieldPath(path, key), Quote(name));
      }
    }
  }
  return caps;
}

Result<std::vector<Rlimit>> ParseRlimits(const json& j, const std::string& path) {
  TRY(ExpectArray(j, path));
  std::vector<Rlimit> out;
  std::set<std::string> seen;
  for (size_t i = 0; i < j.size(); ++i) {
    std::string item = IndexPath(path, i);
    TRY(ExpectObject(j[i], item));
    Rlimit r;
    TRY(ReadRequired(j[i], "type", item, &r.type));
    TRY(ReadRequired(j[i], "hard", item, &r.hard));
    TRY(ReadRequired(j[i], "soft", item, &r.soft));
    if (!IsKnown(KnownRlimits(), r.type)) {
      return Fail("{}.type: unknown rlimit {}", item, Quote(r.type));
    }
    if (!seen.insert(r.type).second) {
      return Fail("{}.type: duplicate rlimit {}", item, Quote(r.type));
    }
    if (r.soft > r.hard) {
      return Fail("{}: soft limit {} exceeds hard limit {}", item, r.soft, r.hard);
    }
    out.push_back(std::move(r));
  }
  return out;
}

Result<Scheduler> ParseScheduler(const json& j, const std::string& path) {
  static const std::vector<std::string> kPolicies = {"SCHED_OTHER",   "SCHED_FIFO", "SCHED_RR",
                                                     "SCHED_BATCH",   "SCHED_ISO",  "SCHED_IDLE",
                                                     "SCHED_DEADLINE"};
  static const std::vector<std::string> kFlags = {
      "SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM",     "SCHED_FLAG_DL_OVERRUN",
      "SCHED_FLAG_KEEP_POLICY",   "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN",
      "SCHED_FLAG_UTIL_CLAMP_MAX"};
  TRY(ExpectObject(j, path));
  Scheduler s;
  TRY(ReadRequired(j, "policy", path, &s.policy));
  if (!IsKnown(kPolicies, s.policy)) {
    return Fail("{}.policy: unknown policy {}", path, Quote(s.policy));
  }
  if (const json* nice = Member(j, "nice")) {
    s.nice = static_cast<int32_t>(TRY(ReadInt(*nice, FieldPath(path, "nice"), -20, 19)));
  }
  TRY(ReadField(j, "priority", path, &s.priority));
  if (s.priority != 0 && s.policy != "SCHED_FIFO" && s.policy != "SCHED_RR") {
    return Fail("{}.priority: only SCHED_FIFO and SCHED_RR take a priority", path);
  }
  TRY(ReadField(j, "flags", path, &s.flags));
  for (size_t i = 0; i < s.flags.size(); ++i) {
    if (!IsKnown(kFlags, s.flags[i])) {
      return Fail("{}: unknown flag {}", IndexPath(FieldPath(path, "flags"), i), Quote(s.flags[i]));
    }
  }
  TRY(ReadField(j, "runtime", path, &s.runtime));
  TRY(ReadField(j, "deadline", path, &s.deadline));
  TRY(ReadField(j, "period", path, &s.period));
  return s;
}

Result<IoPriority> ParseIoPriority(const json& j, const std::string& path) {
  static const std::vector<std::string> kClasses = {"IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE",
                                                    "IOPRIO_CLASS_IDLE"};
  TRY(ExpectObject(j, path));
  IoPriority p;
  TRY(ReadRequired(j, "class", path, &p.io_class));
  if (!IsKnown(kClasses, p.io_class)) {
    return Fail("{}.class: unknown class {}", path, Quote(p.io_class));
  }
  const json* priority = Member(j, "priority");
  if (priority == nullptr) return Fail("{}.priority: is required", path);
  p.priority = static_cast<int32_t>(TRY(ReadInt(*priority, FieldPath(path, "priority"), 0, 7)));
  return p;
}

// KEY=VALUE with a non-empty KEY and no NUL byte (runc's checks).
Result<void> CheckEnv(const std::vector<std::string>& env, const std::string& path) {
  for (size_t i = 0; i < env.size(); ++i) {
    const std::string& e = env[i];
    size_t eq = e.find('=');
    if (eq == std::string::npos) {
      return Fail("{}: {} is not of the form KEY=VALUE", IndexPath(path, i), Quote(e));
    }
    if (eq == 0) return Fail("{}: {} has an empty name", IndexPath(path, i), Quote(e));
    if (e.find('\0') != std::string::npos) {
      return Fail("{}: {} contains a NUL byte", IndexPath(path, i), Quote(e));
    }
  }
  return {};
}

Result<Process> ParseProcess(const json& j, const std::string& path) {
  TRY(ExpectObject(j, path));
  Process p;
  TRY(ReadField(j, "terminal", path, &p.terminal));
  if (const json* size = Member(j, "consoleSize")) {
    std::string size_path = FieldPath(path, "consoleSize");
    TRY(ExpectObject(*size, size_path));
    ConsoleSize cs;
    TRY(ReadRequired(*size, "height", size_path, &cs.height));
    TRY(ReadRequired(*size, "width", size_path, &cs.width));
    p.console_size = cs;
  }
  if (const json* user = Member(j, "user")) p.user = TRY(ParseUser(*user, FieldPath(path, "user")));

  // The spec extends POSIX: at least one argument, the program to run.
  const json* args = Member(j, "args");
  std::string args_path = FieldPath(path, "args");
  if (args == nullptr || !args->is_array() || args->empty()) {
    return Fail("{}: must be a non-empty array of strings", args_path);
  }
  p.args = TRY(ReadStrings(*args, args_path));

  TRY(ReadField(j, "env", path, &p.env));
  TRY(CheckEnv(p.env, FieldPath(path, "env")));
  TRY(ReadField(j, "cwd", path, &p.cwd));
  if (p.cwd.empty()) return Fail("{}.cwd: is required", path);
  TRY(CheckAbsolute(p.cwd, FieldPath(path, "cwd")));
  if (const json* caps = Member(j, "capabilities")) {
    p.capabilities = TRY(ParseCapabilities(*caps, FieldPath(path, "capabilities")));
  }
  if (const json* rlimits = Member(j, "rlimits")) {
    p.rlimits = TRY(ParseRlimits(*rlimits, FieldPath(path, "rlimits")));
  }
  TRY(ReadField(j, "noNewPrivileges", path, &p.no_new_privileges));
  TRY(ReadField(j, "apparmorProfile", path, &p.apparmor_profile));
  TRY(ReadField(j, "selinuxLabel", path, &p.selinux_label));
  if (const json* oom = Member(j, "oomScoreAdj")) {
    p.oom_score_adj =
        static_cast<int32_t>(TRY(ReadInt(*oom, FieldPath(path, "oomScoreAdj"), -1000, 1000)));
  }
  if (const json* sched = Member(j, "scheduler")) {
    p.scheduler = TRY(ParseScheduler(*sched, FieldPath(path, "scheduler")));
  }
  if (const json* io = Member(j, "ioPriority")) {
    p.io_priority = TRY(ParseIoPriority(*io, FieldPath(path, "ioPriority")));
  }
  return p;
}

// --- root, mounts, hooks --------------------------------------------------

Result<Root> ParseRoot(const json& j, const std::string& path) {
  TRY(ExpectObject(j, path));
  Root root;
  TRY(ReadField(j, "path", path, &root.path));
  if (root.path.empty()) return Fail("{}.path: is required", path);
  TRY(ReadField(j, "readonly", path, &root.readonly));
  return root;
}

// Runtime-spec 1.0 let a destination be relative (runc resolves it against
// the rootfs and warns); from 1.1 on it MUST be absolute.
Result<Mount> ParseMount(const json& j, const std::string& path, bool allow_relative) {
  TRY(ExpectObject(j, path));
  Mount m;
  TRY(ReadField(j, "destination", path, &m.destination));
  if (m.destination.empty()) return Fail("{}.destination: is required", path);
  if (!allow_relative) TRY(CheckAbsolute(m.destination, FieldPath(path, "destination")));
  TRY(ReadField(j, "type", path, &m.type));
  TRY(ReadField(j, "source", path, &m.source));
  TRY(ReadField(j, "options", path, &m.options));
  m.uid_mappings = TRY(ParseIdMappings(j, "uidMappings", path));
  m.gid_mappings = TRY(ParseIdMappings(j, "gidMappings", path));
  if (m.uid_mappings.empty() != m.gid_mappings.empty()) {
    return Fail("{}: uidMappings and gidMappings must be given together", path);
  }
  return m;
}

Result<Hook> ParseHook(const json& j, const std::string& path) {
  TRY(ExpectObject(j, path));
  Hook h;
  TRY(ReadRequired(j, "path", path, &h.path));
  TRY(CheckAbsolute(h.path, FieldPath(path, "path")));
  TRY(ReadField(j, "args", path, &h.args));
  TRY(ReadField(j, "env", path, &h.env));
  if (const json* timeout = Member(j, "timeout")) {
    std::string timeout_path = FieldPath(path, "timeout");
    int64_t t = TRY(ReadInt(*timeout, timeout_path, INT32_MIN, INT32_MAX));
    if (t <= 0) return Fail("{}: must be greater than 0", timeout_path);
    h.timeout = static_cast<int32_t>(t);
  }
  return h;
}

Result<Hooks> ParseHooks(const json& j, const std::string& path) {
  TRY(ExpectObject(j, path));
  Hooks hooks;
  const std::pair<const char*, std::vector<Hook>*> stages[] = {
      {"prestart", &hooks.prestart},
      {"createRuntime", &hooks.create_runtime},
      {"createContainer", &hooks.create_container},
      {"startContainer", &hooks.start_container},
      {"poststart", &hooks.poststart},
      {"poststop", &hooks.poststop},
  };
  for (const auto& [key, list] : stages) {
    const json* stage = Member(j, key);
    if (stage == nullptr) continue;
    std::string stage_path = FieldPath(path, key);
    TRY(ExpectArray(*stage, stage_path));
    for (size_t i = 0; i < stage->size(); ++i) {
      list->push_back(TRY(ParseHook((*stage)[i], IndexPath(stage_path, i))));
    }
  }
  return hooks;
}

// --- checks across sections -----------------------------------------------

const Namespace* FindNamespace(const std::optional<Linux>& linux, std::string_view type) {
  if (!linux) return nullptr;
  for (const Namespace& ns : linux->namespaces) {
    if (ns.type == type) return &ns;
  }
  return nullptr;
}

Result<void> CheckNamespaceUse(const Config& c) {
  const Namespace* user = FindNamespace(c.linux, "user");
  const Namespace* time = FindNamespace(c.linux, "time");
  const Namespace* uts = FindNamespace(c.linux, "uts");
  if (c.linux) {
    const Linux& l = *c.linux;
    bool has_mappings = !l.uid_mappings.empty() || !l.gid_mappings.empty();
    if (user == nullptr && has_mappings) {
      return Fail("linux.{}: given without a user namespace in linux.namespaces",
                  l.uid_mappings.empty() ? "gidMappings" : "uidMappings");
    }
    // A new user namespace needs maps to be of use; a joined one has its own.
    if (user != nullptr && user->path.empty()) {
      if (l.uid_mappings.empty()) {
        return Fail("linux.uidMappings: required when a new user namespace is requested");
      }
      if (l.gid_mappings.empty()) {
        return Fail("linux.gidMappings: required when a new user namespace is requested");
      }
    }
    // Offsets can be written only to a fresh time namespace, before any
    // process has entered it.
    if (!l.time_offsets.empty() && (time == nullptr || !time->path.empty())) {
      return Fail("linux.timeOffsets: requires a new time namespace in linux.namespaces");
    }
  }
  if (!c.hostname.empty() && uts == nullptr) {
    return Fail("hostname: requires a uts namespace in linux.namespaces");
  }
  if (!c.domainname.empty() && uts == nullptr) {
    return Fail("domainname: requires a uts namespace in linux.namespaces");
  }
  return {};
}

Result<Config> ParseDocument(const json& doc) {
  if (!doc.is_object()) return Fail("must be a JSON object");
  Config c;
  TRY(ReadRequired(doc, "ociVersion", "", &c.oci_version));
  if (!IsSupportedOciVersion(c.oci_version)) {
    return Fail("ociVersion: unsupported version {} (berth-runtime supports 1.0.0 to 1.2.x)",
                Quote(c.oci_version));
  }
  const json* root = Member(doc, "root");
  if (root == nullptr) return Fail("root: is required");
  c.root = TRY(ParseRoot(*root, "root"));
  if (const json* process = Member(doc, "process")) {
    c.process = TRY(ParseProcess(*process, "process"));
  }
  TRY(ReadField(doc, "hostname", "", &c.hostname));
  TRY(ReadField(doc, "domainname", "", &c.domainname));
  if (const json* mounts = Member(doc, "mounts")) {
    TRY(ExpectArray(*mounts, "mounts"));
    bool allow_relative = c.oci_version.starts_with("1.0.");
    for (size_t i = 0; i < mounts->size(); ++i) {
      c.mounts.push_back(TRY(ParseMount((*mounts)[i], IndexPath("mounts", i), allow_relative)));
    }
  }
  if (const json* hooks = Member(doc, "hooks")) c.hooks = TRY(ParseHooks(*hooks, "hooks"));
  TRY(ReadField(doc, "annotations", "", &c.annotations));
  if (c.annotations.contains("")) return Fail("annotations: keys must not be empty");
  if (const json* linux = Member(doc, "linux")) c.linux = TRY(ParseLinux(*linux, "linux"));
  TRY(CheckNamespaceUse(c));
  return c;
}

}  // namespace

Result<Config> ConfigFromJson(const json& doc) {
  // The readers check types before every access, so nlohmann should not
  // throw here; the catch keeps that a promise rather than a hope.
  try {
    auto config = ParseDocument(doc);
    if (!config) return std::unexpected(std::move(config).error().Context("config.json"));
    return config;
  } catch (const json::exception& e) {
    return Fail("config.json: {}", e.what());
  }
}

Result<Config> ParseConfig(std::string_view json_text) {
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::exception& e) {
    std::string what = e.what();
    std::replace(what.begin(), what.end(), '\n', ' ');
    return Fail("config.json: invalid JSON: {}", what);
  }
  return ConfigFromJson(doc);
}

}  // namespace berth::spec
