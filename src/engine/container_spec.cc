#include "engine/container_spec.h"

#include <unistd.h>

#include <algorithm>

#include "base/fs.h"
#include "engine/seccomp_profile.h"
#include "spec/json_reader.h"

namespace berth::engine {
namespace {

using nlohmann::json;

constexpr std::string_view kImagePath = "image config";

// Docker's masked paths: kernel information and controls a container has
// no business reading (keys, kernel memory, timer and scheduler internals,
// firmware, power capping). The runtime covers each with /dev/null or an
// empty read-only tmpfs.
const std::vector<std::string> kMaskedPaths = {"/proc/asound",
                                               "/proc/acpi",
                                               "/proc/kcore",
                                               "/proc/keys",
                                               "/proc/latency_stats",
                                               "/proc/timer_list",
                                               "/proc/timer_stats",
                                               "/proc/sched_debug",
                                               "/proc/scsi",
                                               "/sys/firmware",
                                               "/sys/devices/virtual/powercap"};

// Docker's read-only paths: readable, but writes there would change the
// host's kernel (sysctls, IRQ affinity, sysrq).
const std::vector<std::string> kReadonlyPaths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                                 "/proc/sysrq-trigger"};

spec::Mount MakeMount(std::string dest, std::string type, std::string source,
                      std::vector<std::string> options) {
  spec::Mount m;
  m.destination = std::move(dest);
  m.type = std::move(type);
  m.source = std::move(source);
  m.options = std::move(options);
  return m;
}

// Docker's default mounts: a fresh /proc that cannot be used to run or
// create device nodes; /dev as a small tmpfs the runtime fills with the
// allowlisted devices; a private devpts instance; /sys and the cgroup tree
// read-only; POSIX message queues and a 64 MiB /dev/shm of the container's
// own IPC namespace.
std::vector<spec::Mount> DefaultMounts() {
  return {
      MakeMount("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}),
      MakeMount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
      MakeMount("/dev/pts", "devpts", "devpts",
                {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
      MakeMount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
      MakeMount("/sys/fs/cgroup", "cgroup", "cgroup", {"ro", "nosuid", "noexec", "nodev"}),
      MakeMount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
      MakeMount("/dev/shm", "tmpfs", "shm",
                {"nosuid", "noexec", "nodev", "mode=1777", "size=67108864"}),
  };
}

spec::DeviceRule Rule(bool allow, std::string type, std::optional<int64_t> major,
                      std::optional<int64_t> minor, std::string access) {
  spec::DeviceRule r;
  r.allow = allow;
  r.type = std::move(type);
  r.major = major;
  r.minor = minor;
  r.access = std::move(access);
  return r;
}

// The cgroup device allowlist docker's containers get (docker's spec plus
// what runc adds): nothing by default; mknod of any node (using one still
// needs an allow rule); the standard character devices; the container's
// ptys and its ptmx; and the tun device, which runc allows (its 1.2.0 left
// it out and broke VPN containers; 1.2.2 put it back). Opening tun is
// harmless without CAP_NET_ADMIN, which creating an interface needs.
std::vector<spec::DeviceRule> DefaultDeviceRules() {
  return {
      Rule(false, "a", std::nullopt, std::nullopt, "rwm"),
      Rule(true, "c", std::nullopt, std::nullopt, "m"),
      Rule(true, "b", std::nullopt, std::nullopt, "m"),
      Rule(true, "c", 1, 3, "rwm"),               // null
      Rule(true, "c", 1, 5, "rwm"),               // zero
      Rule(true, "c", 1, 7, "rwm"),               // full
      Rule(true, "c", 1, 8, "rwm"),               // random
      Rule(true, "c", 1, 9, "rwm"),               // urandom
      Rule(true, "c", 5, 0, "rwm"),               // tty
      Rule(true, "c", 5, 1, "rwm"),               // console
      Rule(true, "c", 5, 2, "rwm"),               // ptmx
      Rule(true, "c", 136, std::nullopt, "rwm"),  // pts/*
      Rule(true, "c", 10, 200, "rwm"),            // net/tun
  };
}

// The namespaces: new ones unless the options share the host's (left out)
// or another container's (joined by path).
Result<std::vector<spec::Namespace>> Namespaces(const ContainerSpecInput& in) {
  const HostConfig& h = in.host_config;
  std::vector<spec::Namespace> out;
  auto add = [&](const char* type, const NamespaceMode& mode, const std::string& path,
                 const char* what) -> Status {
    if (mode.kind == NamespaceMode::kHost) return Ok();
    if (mode.kind == NamespaceMode::kContainer && path.empty())
      return Fail("{} mode container:{}: the container's namespace is not known", what,
                  mode.container);
    out.push_back({type, mode.kind == NamespaceMode::kContainer ? path : ""});
    return Ok();
  };
  out.push_back({"mount", ""});
  TRY(add("pid", h.pid_mode, in.pid_ns_path, "PID"));
  TRY(add("ipc", h.ipc_mode, in.ipc_ns_path, "IPC"));
  TRY(add("uts", h.uts_mode, in.uts_ns_path, "UTS"));
  NamespaceMode net;
  if (h.network_mode.kind == NetworkMode::kHost) net.kind = NamespaceMode::kHost;
  if (h.network_mode.kind == NetworkMode::kContainer) {
    net.kind = NamespaceMode::kContainer;
    net.container = h.network_mode.container;
  }
  TRY(add("network", net, in.net_ns_path, "network"));
  // A private cgroup namespace, docker's default on cgroup v2: the
  // container sees its own cgroup as the root.
  out.push_back({"cgroup", ""});
  return out;
}

// Reads image_config[key] as a string list (absent: nullopt).
Result<std::optional<std::vector<std::string>>> ImageList(const json& image, const char* key) {
  std::optional<std::vector<std::string>> v;
  TRY(spec::ReadField(image, key, kImagePath, &v));
  return v;
}

Result<std::string> ImageString(const json& image, const char* key) {
  std::string v;
  TRY(spec::ReadField(image, key, kImagePath, &v));
  return v;
}

std::string EnvName(std::string_view kv) { return std::string(kv.substr(0, kv.find('='))); }

// Sets or removes one variable in `env`, keeping the first position.
void ApplyEnv(std::vector<std::string>* env, const std::string& kv) {
  std::string name = EnvName(kv);
  bool remove = kv.find('=') == std::string::npos;
  auto it = std::find_if(env->begin(), env->end(),
                         [&](const std::string& e) { return EnvName(e) == name; });
  if (it == env->end()) {
    if (!remove) env->push_back(kv);
  } else if (remove) {
    env->erase(it);
  } else {
    *it = kv;
  }
}

std::string HostHostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

}  // namespace

std::string FindInitBinary() {
  for (const char* p : {"/usr/bin/tini-static", "/usr/bin/docker-init", "/usr/bin/catatonit",
                        "/usr/libexec/catatonit/catatonit"})
    if (::access(p, X_OK) == 0) return p;
  return "";
}

const std::vector<std::string>& DefaultCapabilities() {
  static const std::vector<std::string> caps = {
      "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
      "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
      "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
      "CAP_KILL",    "CAP_AUDIT_WRITE"};
  return caps;
}

Result<std::vector<std::string>> MergeCommand(const ContainerConfig& c, const json& image) {
  std::optional<std::vector<std::string>> entrypoint = c.entrypoint;
  std::vector<std::string> cmd = c.cmd.value_or(std::vector<std::string>{});
  // docker: an absent or empty Entrypoint takes the image's Cmd when no Cmd
  // was given; only an absent one keeps the image's Entrypoint. So
  // --entrypoint X runs X with the user's arguments alone.
  if (!entrypoint || entrypoint->empty()) {
    if (cmd.empty()) cmd = TRY(ImageList(image, "Cmd")).value_or(std::vector<std::string>{});
    if (!entrypoint) entrypoint = TRY(ImageList(image, "Entrypoint"));
  }
  // The CLI's --entrypoint "" arrives as [""]: an entrypoint reset to nothing.
  if (entrypoint && entrypoint->size() == 1 && (*entrypoint)[0].empty()) entrypoint->clear();
  std::vector<std::string> args = entrypoint.value_or(std::vector<std::string>{});
  args.insert(args.end(), cmd.begin(), cmd.end());
  if (args.empty()) return FailAs(EINVAL, "No command specified");
  return args;
}

Result<std::vector<std::string>> MergeEnv(const json& image,
                                          const std::vector<std::string>& user_env,
                                          const std::string& hostname, bool tty) {
  std::vector<std::string> env = {"PATH=" + std::string(kDefaultPath), "HOSTNAME=" + hostname};
  if (tty) env.push_back("TERM=xterm");
  for (const auto& kv : TRY(ImageList(image, "Env")).value_or(std::vector<std::string>{}))
    ApplyEnv(&env, kv);
  for (const auto& kv : user_env) ApplyEnv(&env, kv);
  return env;
}

std::string HostsFileText(const std::string& hostname, const std::string& domainname) {
  std::string out =
      "127.0.0.1\tlocalhost\n"
      "::1\tlocalhost ip6-localhost ip6-loopback\n"
      "fe00::0\tip6-localnet\n"
      "ff00::0\tip6-mcastprefix\n"
      "ff02::1\tip6-allnodes\n"
      "ff02::2\tip6-allrouters\n";
  // With no network of its own yet, the container's name resolves to
  // loopback, so programs that look up their own hostname work.
  out += "127.0.1.1\t";
  if (!domainname.empty()) out += hostname + "." + domainname + " ";
  out += hostname + "\n";
  return out;
}

std::string ResolvConfText(std::string_view host, bool host_network) {
  if (host_network) return std::string(host);
  std::string out;
  bool any_nameserver = false;
  size_t start = 0;
  while (start < host.size()) {
    size_t end = host.find('\n', start);
    if (end == std::string_view::npos) end = host.size();
    std::string_view line = host.substr(start, end - start);
    start = end + 1;
    std::string_view rest = line;
    while (!rest.empty() && (rest[0] == ' ' || rest[0] == '\t')) rest.remove_prefix(1);
    if (rest.starts_with("nameserver")) {
      std::string_view addr = rest.substr(10);
      while (!addr.empty() && (addr[0] == ' ' || addr[0] == '\t')) addr.remove_prefix(1);
      if (addr.starts_with("127.") || addr.starts_with("::1")) continue;
      any_nameserver = true;
    }
    out += line;
    out += '\n';
  }
  if (!any_nameserver) out += "nameserver 8.8.8.8\nnameserver 8.8.4.4\n";
  return out;
}

Result<ContainerSpec> BuildContainerSpec(const ContainerSpecInput& in) {
  const ContainerConfig& c = in.config;
  const HostConfig& h = in.host_config;
  const json& image = in.image_config.is_object() ? in.image_config : json::object();
  ContainerSpec out;
  spec::Config& cfg = out.config;
  bool host_uts = h.uts_mode.kind == NamespaceMode::kHost;
  bool host_net = h.network_mode.kind == NetworkMode::kHost;

  // The hostname: given, else the host's when sharing its UTS or network
  // namespace, else the short ID (docker's).
  out.hostname = c.hostname;
  if (out.hostname.empty())
    out.hostname = (host_uts || host_net) ? HostHostname() : in.id.substr(0, 12);

  // What runs: Entrypoint + Cmd, behind the init when asked for one.
  spec::Process proc;
  proc.args = TRY(MergeCommand(c, image));
  if (h.init.value_or(false)) {
    if (in.init_binary.empty())
      return Fail("--init: no init binary on this host (install tini or catatonit)");
    proc.args.insert(proc.args.begin(), {std::string(kInitPathInContainer), "--"});
  }
  proc.terminal = c.tty;
  proc.env = TRY(MergeEnv(image, c.env, out.hostname, c.tty));

  // The user, resolved in the container's own passwd and group files.
  std::string user = c.user.empty() ? TRY(ImageString(image, "User")) : c.user;
  std::string passwd = TRY(ReadFileInRoot(in.rootfs, "/etc/passwd"));
  std::string group = TRY(ReadFileInRoot(in.rootfs, "/etc/group"));
  ResolvedUser ru = TRY(ResolveUser(user, passwd, group));
  proc.user.uid = ru.uid;
  proc.user.gid = ru.gid;
  proc.user.additional_gids = ru.additional_gids;
  if (std::none_of(proc.env.begin(), proc.env.end(),
                   [](const std::string& e) { return e.starts_with("HOME="); }))
    proc.env.push_back("HOME=" + ru.home);

  // The working directory, created when the image lacks it (docker's).
  proc.cwd = c.working_dir.empty() ? TRY(ImageString(image, "WorkingDir")) : c.working_dir;
  if (proc.cwd.empty()) proc.cwd = "/";
  if (proc.cwd[0] != '/') proc.cwd = "/" + proc.cwd;  // old images' relative WORKDIR
  proc.cwd = CleanPath(proc.cwd);
  TRY_CTX(MkdirAllInRoot(in.rootfs, proc.cwd), "working directory {}", proc.cwd);

  std::string stop = c.stop_signal.empty() ? TRY(ImageString(image, "StopSignal")) : c.stop_signal;
  if (!stop.empty()) out.stop_signal = TRY_CTX(ParseSignal(stop), "stop signal");

  // The capability sets: docker's 14 where the kernel looks (bounding,
  // effective, permitted); nothing inheritable or ambient, so an exec'd
  // program without file capabilities gains none.
  spec::Capabilities caps;
  caps.bounding = caps.effective = caps.permitted = DefaultCapabilities();
  proc.capabilities = caps;
  proc.no_new_privileges = false;
  proc.oom_score_adj = 0;
  cfg.process = std::move(proc);

  // The files berthd manages for the container, bind-mounted over the
  // image's: its name, the hosts table, and the host's DNS settings.
  std::string resolv_host;
  if (auto r = ReadFile(in.host_resolv_conf)) resolv_host = std::move(*r);
  std::string hostname_file = in.container_dir + "/hostname";
  std::string hosts_file = in.container_dir + "/hosts";
  std::string resolv_file = in.container_dir + "/resolv.conf";
  TRY(WriteFileAtomic(hostname_file, out.hostname + "\n"));
  std::string hosts_text = HostsFileText(out.hostname, c.domainname);
  if (host_net) {
    if (auto r = ReadFile(in.host_hosts)) hosts_text = std::move(*r);
  }
  TRY(WriteFileAtomic(hosts_file, hosts_text));
  TRY(WriteFileAtomic(resolv_file, ResolvConfText(resolv_host, host_net)));

  cfg.oci_version = "1.2.0";
  cfg.root.path = in.rootfs;
  if (!host_uts) {
    cfg.hostname = out.hostname;
    cfg.domainname = c.domainname;
  }
  cfg.mounts = DefaultMounts();
  cfg.mounts.push_back(MakeMount("/etc/resolv.conf", "bind", resolv_file, {"rbind", "rprivate"}));
  cfg.mounts.push_back(MakeMount("/etc/hostname", "bind", hostname_file, {"rbind", "rprivate"}));
  cfg.mounts.push_back(MakeMount("/etc/hosts", "bind", hosts_file, {"rbind", "rprivate"}));
  if (h.init.value_or(false))
    cfg.mounts.push_back(MakeMount(std::string(kInitPathInContainer), "bind", in.init_binary,
                                   {"bind", "ro", "nosuid", "nodev"}));

  spec::Linux linux;
  linux.namespaces = TRY(Namespaces(in));
  linux.cgroups_path = in.cgroups_path.empty() ? "/berth/" + in.id : in.cgroups_path;
  linux.device_rules = DefaultDeviceRules();
  linux.masked_paths = kMaskedPaths;
  linux.readonly_paths = kReadonlyPaths;
  // In a network namespace of its own, a container may bind low ports and
  // send ICMP echo without capabilities, as docker allows since 20.10.
  if (h.network_mode.kind == NetworkMode::kBridge || h.network_mode.kind == NetworkMode::kNone) {
    linux.sysctl["net.ipv4.ip_unprivileged_port_start"] = "0";
    linux.sysctl["net.ipv4.ping_group_range"] = "0 2147483647";
  }
  linux.seccomp = TRY(DefaultSeccomp(HostSeccompTarget(caps.bounding)));
  cfg.linux = std::move(linux);

  // The user's mounts over the defaults: one at a default's destination
  // replaces it (a -v over /dev/shm, say).
  for (const spec::Mount& m : in.extra_mounts) {
    std::erase_if(cfg.mounts, [&](const spec::Mount& d) {
      return CleanPath(d.destination) == CleanPath(m.destination);
    });
    cfg.mounts.push_back(m);
  }
  // userns-remap: the container's root is a subordinate user of the host.
  if (!in.user_ns_path.empty()) {
    cfg.linux->namespaces.push_back({"user", in.user_ns_path});
  } else if (!in.uid_mappings.empty()) {
    cfg.linux->namespaces.push_back({"user", ""});
    cfg.linux->uid_mappings = in.uid_mappings;
    cfg.linux->gid_mappings = in.gid_mappings;
  }
  // In a user namespace the kernel takes only gids mapped there for
  // ping_group_range: the whole range of the maps (a joined namespace's
  // maps are not known here: then it is not set).
  if (auto it = cfg.linux->sysctl.find("net.ipv4.ping_group_range");
      it != cfg.linux->sysctl.end() && (!in.user_ns_path.empty() || !in.gid_mappings.empty())) {
    uint64_t top = 0;
    for (const auto& m : in.gid_mappings)
      top = std::max<uint64_t>(top, uint64_t{m.container_id} + m.size - 1);
    if (in.gid_mappings.empty())
      cfg.linux->sysctl.erase(it);
    else
      it->second = "0 " + std::to_string(top);
  }
  // The options of HostConfig, each area over the baseline.
  TRY(ApplyResources(h.resources, &cfg));
  TRY(ApplySecurity(h.security, in, &cfg));
  return out;
}

}  // namespace berth::engine
