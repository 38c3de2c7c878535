#include "engine/container_spec.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include <gtest/gtest.h>

#include "base/fs.h"
#include "runtime/seccomp.h"

namespace berth::engine {
namespace {

using nlohmann::json;

const std::string kId(64, 'a');

std::vector<std::string> Strings(const json& j) { return j.get<std::vector<std::string>>(); }

ContainerConfig WithCmd(std::optional<std::vector<std::string>> entrypoint,
                        std::optional<std::vector<std::string>> cmd) {
  ContainerConfig c;
  c.entrypoint = std::move(entrypoint);
  c.cmd = std::move(cmd);
  return c;
}

using V = std::vector<std::string>;

TEST(MergeCommand, DockersRules) {
  json image = {{"Entrypoint", {"/ep", "-x"}}, {"Cmd", {"def"}}};
  // Nothing given: the image's entrypoint and cmd.
  EXPECT_EQ(MergeCommand(WithCmd(std::nullopt, std::nullopt), image).value(),
            (V{"/ep", "-x", "def"}));
  // A Cmd replaces the image's Cmd, keeps its Entrypoint.
  EXPECT_EQ(MergeCommand(WithCmd(std::nullopt, V{"a"}), image).value(), (V{"/ep", "-x", "a"}));
  // An Entrypoint replaces the image's and drops the image's Cmd.
  EXPECT_EQ(MergeCommand(WithCmd(V{"/other"}, std::nullopt), image).value(), (V{"/other"}));
  EXPECT_EQ(MergeCommand(WithCmd(V{"/other"}, V{"b"}), image).value(), (V{"/other", "b"}));
  // An empty Entrypoint clears the image's but keeps its Cmd.
  EXPECT_EQ(MergeCommand(WithCmd(V{}, std::nullopt), image).value(), (V{"def"}));
  // The CLI's --entrypoint "" ([""]) clears both.
  EXPECT_EQ(MergeCommand(WithCmd(V{""}, V{"sh"}), image).value(), (V{"sh"}));
  auto none = MergeCommand(WithCmd(V{""}, std::nullopt), image);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().What(), "No command specified");
  EXPECT_FALSE(MergeCommand(WithCmd(std::nullopt, std::nullopt), json::object()));
  // A malformed image config is named.
  auto bad = MergeCommand(WithCmd(std::nullopt, std::nullopt), json{{"Cmd", 3}});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().What().find("image config.Cmd"), std::string::npos);
}

TEST(MergeEnv, UserWinsPathDefaultsHostnameAndTerm) {
  json image = {{"Env", {"PATH=/img/bin", "LANG=C", "KEEP=1", "DROP=1"}}};
  auto env = MergeEnv(image, {"LANG=en_US.UTF-8", "NEW=2", "DROP"}, "h1", true);
  ASSERT_TRUE(env);
  EXPECT_EQ(*env, (V{"PATH=/img/bin", "HOSTNAME=h1", "TERM=xterm", "LANG=en_US.UTF-8", "KEEP=1",
                     "NEW=2"}));
  auto plain = MergeEnv(json::object(), {}, "h2", false);
  ASSERT_TRUE(plain);
  EXPECT_EQ(*plain, (V{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                       "HOSTNAME=h2"}));
}

TEST(EtcFiles, HostsAndResolvConf) {
  std::string hosts = HostsFileText("web", "");
  EXPECT_NE(hosts.find("127.0.0.1\tlocalhost\n"), std::string::npos);
  EXPECT_NE(hosts.find("::1\tlocalhost"), std::string::npos);
  EXPECT_NE(hosts.find("\tweb\n"), std::string::npos);
  EXPECT_NE(HostsFileText("web", "example.org").find("web.example.org web\n"), std::string::npos);

  std::string host =
      "# generated\nnameserver 127.0.0.53\nnameserver 10.0.0.2\n"
      "nameserver ::1\nsearch lan\noptions edns0\n";
  std::string r = ResolvConfText(host, false);
  EXPECT_EQ(r, "# generated\nnameserver 10.0.0.2\nsearch lan\noptions edns0\n");
  EXPECT_EQ(ResolvConfText(host, true), host);
  EXPECT_EQ(ResolvConfText("nameserver 127.0.0.53\n", false),
            "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
}

class SpecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-spec-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    in_.id = kId;
    in_.rootfs = base_ + "/rootfs";
    in_.container_dir = base_ + "/ctr";
    in_.host_resolv_conf = base_ + "/host-resolv.conf";
    in_.host_hosts = base_ + "/host-hosts";
    ASSERT_TRUE(MkdirAll(in_.rootfs + "/etc", 0755));
    ASSERT_TRUE(MkdirAll(in_.container_dir, 0755));
    ASSERT_TRUE(
        WriteFileAtomic(in_.rootfs + "/etc/passwd",
                        "root:x:0:0:root:/root:/bin/sh\napp:x:100:101::/home/app:/bin/sh\n"));
    ASSERT_TRUE(
        WriteFileAtomic(in_.rootfs + "/etc/group", "root:x:0:\napp:x:101:\nextra:x:7:app\n"));
    ASSERT_TRUE(
        WriteFileAtomic(in_.host_resolv_conf, "nameserver 127.0.0.1\nnameserver 9.9.9.9\n"));
    ASSERT_TRUE(WriteFileAtomic(in_.host_hosts, "127.0.0.1 localhost myhost\n"));
    in_.image_config = {{"Cmd", {"sh"}}, {"Env", {"PATH=/bin"}}};
  }
  void TearDown() override { (void)RemoveAll(base_); }

  // The spec as JSON, the way berth-runtime will read it.
  json Build() {
    auto s = BuildContainerSpec(in_);
    EXPECT_TRUE(s) << s.error().What();
    if (!s) return json();
    spec_ = *s;
    json j = spec::ConfigToJson(s->config);
    auto back = spec::ConfigFromJson(j);
    EXPECT_TRUE(back) << back.error().What();
    return j;
  }

  static const json* FindMount(const json& j, const std::string& dest) {
    for (const auto& m : j["mounts"])
      if (m["destination"] == dest) return &m;
    return nullptr;
  }

  static std::vector<std::string> NamespaceTypes(const json& j) {
    std::vector<std::string> out;
    for (const auto& n : j["linux"]["namespaces"]) out.push_back(n["type"]);
    return out;
  }

  std::string base_;
  ContainerSpecInput in_;
  ContainerSpec spec_;
};

TEST_F(SpecTest, CapabilitiesAreDockers14AndNothingInheritable) {
  json j = Build();
  V caps = Strings(j["process"]["capabilities"]["bounding"]);
  V want = {"CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
            "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
            "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
            "CAP_KILL",    "CAP_AUDIT_WRITE"};
  EXPECT_EQ(caps, want);
  EXPECT_EQ(Strings(j["process"]["capabilities"]["effective"]), want);
  EXPECT_EQ(Strings(j["process"]["capabilities"]["permitted"]), want);
  const json& c = j["process"]["capabilities"];
  EXPECT_TRUE(!c.contains("inheritable") || c["inheritable"].empty());
  EXPECT_TRUE(!c.contains("ambient") || c["ambient"].empty());
  EXPECT_FALSE(j["process"].value("noNewPrivileges", false));
  EXPECT_EQ(j["process"]["oomScoreAdj"], 0);
  EXPECT_TRUE(!j["process"].contains("rlimits") || j["process"]["rlimits"].empty());
}

TEST_F(SpecTest, MaskedAndReadonlyPaths) {
  json j = Build();
  V masked = Strings(j["linux"]["maskedPaths"]);
  for (const char* p :
       {"/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
        "/sys/devices/virtual/powercap"})
    EXPECT_NE(std::find(masked.begin(), masked.end(), p), masked.end()) << p;
  EXPECT_EQ(Strings(j["linux"]["readonlyPaths"]),
            (V{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}));
}

TEST_F(SpecTest, DefaultMounts) {
  json j = Build();
  auto opts = [&](const char* dest) {
    const json* m = FindMount(j, dest);
    EXPECT_NE(m, nullptr) << dest;
    return m ? Strings((*m)["options"]) : V{};
  };
  auto has = [](const V& v, const char* o) { return std::find(v.begin(), v.end(), o) != v.end(); };
  V proc = opts("/proc");
  EXPECT_TRUE(has(proc, "nosuid") && has(proc, "noexec") && has(proc, "nodev"));
  EXPECT_EQ((*FindMount(j, "/proc"))["type"], "proc");
  EXPECT_EQ((*FindMount(j, "/dev"))["type"], "tmpfs");
  EXPECT_EQ((*FindMount(j, "/dev/pts"))["type"], "devpts");
  EXPECT_TRUE(has(opts("/dev/pts"), "newinstance"));
  EXPECT_TRUE(has(opts("/dev/shm"), "size=67108864"));
  EXPECT_EQ((*FindMount(j, "/dev/mqueue"))["type"], "mqueue");
  EXPECT_TRUE(has(opts("/sys"), "ro"));
  EXPECT_TRUE(has(opts("/sys/fs/cgroup"), "ro"));
  for (const char* f : {"/etc/hostname", "/etc/hosts", "/etc/resolv.conf"}) {
    const json* m = FindMount(j, f);
    ASSERT_NE(m, nullptr) << f;
    EXPECT_EQ((*m)["source"], in_.container_dir + std::string(f).substr(4));
    EXPECT_TRUE(has(Strings((*m)["options"]), "rbind"));
  }
}

TEST_F(SpecTest, EtcFilesAreWritten) {
  in_.config.hostname = "web1";
  Build();
  EXPECT_EQ(ReadFile(in_.container_dir + "/hostname").value(), "web1\n");
  EXPECT_NE(ReadFile(in_.container_dir + "/hosts").value().find("\tweb1\n"), std::string::npos);
  EXPECT_EQ(ReadFile(in_.container_dir + "/resolv.conf").value(), "nameserver 9.9.9.9\n");
}

TEST_F(SpecTest, DeviceRulesDenyAllThenTheStandardDevices) {
  json j = Build();
  const json& d = j["linux"]["resources"]["devices"];
  ASSERT_GE(d.size(), 2u);
  EXPECT_EQ(d[0]["allow"], false);
  EXPECT_EQ(d[0]["access"], "rwm");
  auto allowed = [&](const char* type, int64_t major, int64_t minor) {
    for (const auto& r : d)
      if (r["allow"] == true && r["type"] == type && r.value("major", int64_t{-1}) == major &&
          r.value("minor", int64_t{-1}) == minor && r["access"] == "rwm")
        return true;
    return false;
  };
  for (auto [maj, min] : std::vector<std::pair<int, int>>{
           {1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9}, {5, 0}, {5, 1}, {5, 2}})
    EXPECT_TRUE(allowed("c", maj, min)) << maj << ":" << min;
  EXPECT_TRUE(allowed("c", 136, -1));
  EXPECT_TRUE(allowed("c", 10, 200));
  EXPECT_FALSE(allowed("c", 10, 229));  // fuse: not by default
}

TEST_F(SpecTest, NamespacesFollowTheModes) {
  json j = Build();
  EXPECT_EQ(NamespaceTypes(j), (V{"mount", "pid", "ipc", "uts", "network", "cgroup"}));
  EXPECT_EQ(j["hostname"], kId.substr(0, 12));
  EXPECT_EQ(j["linux"]["cgroupsPath"], "/berth/" + kId);
  EXPECT_EQ(j["linux"]["sysctl"]["net.ipv4.ip_unprivileged_port_start"], "0");

  in_.host_config.network_mode.kind = NetworkMode::kHost;
  in_.host_config.uts_mode.kind = NamespaceMode::kHost;
  in_.host_config.pid_mode.kind = NamespaceMode::kContainer;
  in_.host_config.pid_mode.container = "other";
  in_.pid_ns_path = "/proc/42/ns/pid";
  in_.cgroups_path = "/custom";
  j = Build();
  EXPECT_EQ(NamespaceTypes(j), (V{"mount", "pid", "ipc", "cgroup"}));
  EXPECT_EQ(j["linux"]["namespaces"][1]["path"], "/proc/42/ns/pid");
  EXPECT_FALSE(j.contains("hostname"));  // no UTS namespace of its own
  EXPECT_EQ(j["linux"]["cgroupsPath"], "/custom");
  EXPECT_FALSE(j["linux"].contains("sysctl"));
  // The host's hosts file, as docker gives host-network containers.
  EXPECT_EQ(ReadFile(in_.container_dir + "/hosts").value(), "127.0.0.1 localhost myhost\n");

  in_.pid_ns_path.clear();
  EXPECT_FALSE(BuildContainerSpec(in_));
}

TEST_F(SpecTest, ProcessFromImageAndOptions) {
  in_.image_config = {{"Entrypoint", {"/bin/ep"}}, {"Cmd", {"x"}},  {"Env", {"A=1"}},
                      {"WorkingDir", "/srv/app"},  {"User", "app"}, {"StopSignal", "SIGQUIT"}};
  in_.config.env = {"A=2"};
  in_.config.tty = true;
  json j = Build();
  const json& p = j["process"];
  EXPECT_EQ(Strings(p["args"]), (V{"/bin/ep", "x"}));
  EXPECT_EQ(p["cwd"], "/srv/app");
  EXPECT_EQ(p["terminal"], true);
  EXPECT_EQ(p["user"]["uid"], 100);
  EXPECT_EQ(p["user"]["gid"], 101);
  EXPECT_EQ(p["user"]["additionalGids"], json({7}));
  V env = Strings(p["env"]);
  EXPECT_NE(std::find(env.begin(), env.end(), "A=2"), env.end());
  EXPECT_NE(std::find(env.begin(), env.end(), "TERM=xterm"), env.end());
  EXPECT_NE(std::find(env.begin(), env.end(), "HOME=/home/app"), env.end());
  EXPECT_EQ(spec_.stop_signal, 3);  // SIGQUIT
  struct stat st {};
  EXPECT_EQ(::stat((in_.rootfs + "/srv/app").c_str(), &st), 0);  // created
  EXPECT_TRUE(S_ISDIR(st.st_mode));

  in_.config.user = "nosuch";
  auto bad = BuildContainerSpec(in_);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().What(), "unable to find user nosuch: no matching entries in passwd file");
}

TEST_F(SpecTest, InitRunsFirstFromAReadOnlyBind) {
  in_.host_config.init = true;
  EXPECT_FALSE(BuildContainerSpec(in_));  // no init binary known
  in_.init_binary = "/usr/bin/tini";
  json j = Build();
  EXPECT_EQ(Strings(j["process"]["args"]), (V{"/sbin/docker-init", "--", "sh"}));
  const json* m = FindMount(j, "/sbin/docker-init");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ((*m)["source"], "/usr/bin/tini");
}

TEST_F(SpecTest, SeccompIsTheDefaultProfileAndCompiles) {
  json j = Build();
  const json& s = j["linux"]["seccomp"];
  EXPECT_EQ(s["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(s["defaultErrnoRet"], 1);
  std::vector<std::string> allowed;
  for (const auto& r : s["syscalls"])
    if (r["action"] == "SCMP_ACT_ALLOW" && !r.contains("args"))
      for (const auto& n : r["names"]) allowed.push_back(n);
  for (const char* denied :
       {"unshare", "mount", "umount2", "keyctl", "add_key", "request_key", "bpf", "kexec_load",
        "open_by_handle_at", "init_module", "setns", "pivot_root", "reboot", "swapon", "clone3"})
    EXPECT_EQ(std::find(allowed.begin(), allowed.end(), denied), allowed.end()) << denied;
  for (const char* needed : {"read", "execve", "openat", "mmap", "exit_group", "chroot"})
    EXPECT_NE(std::find(allowed.begin(), allowed.end(), needed), allowed.end()) << needed;
  // The runtime's own loader accepts it.
  auto prog = runtime::CompileSeccomp(s);
  ASSERT_TRUE(prog) << prog.error().What();
  EXPECT_FALSE(prog->filter.empty());
}

}  // namespace
}  // namespace berth::engine
