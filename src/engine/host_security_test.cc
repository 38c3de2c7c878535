#include "engine/host_security.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>

#include <gtest/gtest.h>

#include "base/fs.h"
#include "engine/capabilities.h"
#include "engine/container_config.h"
#include "engine/container_spec.h"

namespace berth::engine {
namespace {

using nlohmann::json;
using V = std::vector<std::string>;

bool Has(const V& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

Result<SecurityOptions> Parse(const json& host, SysctlNamespaces ns = {}) {
  return ParseSecurity(host, ns);
}

std::string ErrorOf(const json& host, SysctlNamespaces ns = {}) {
  auto r = Parse(host, ns);
  EXPECT_FALSE(r.has_value()) << host.dump();
  return r ? "" : r.error().What();
}

TEST(Capabilities, NormalizedAsDockerTakesThem) {
  EXPECT_EQ(NormalizeCapability("sys_admin").value(), "CAP_SYS_ADMIN");
  EXPECT_EQ(NormalizeCapability("CAP_NET_ADMIN").value(), "CAP_NET_ADMIN");
  EXPECT_EQ(NormalizeCapability("cap_chown").value(), "CAP_CHOWN");
  EXPECT_EQ(NormalizeCapability("all").value(), "ALL");
  EXPECT_EQ(NormalizeCapability("nope").error().What(), "unknown capability: \"CAP_NOPE\"");
}

TEST(Capabilities, DockersOrderOfApplication) {
  V defaults = {"CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"};
  V all = {"CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_SYS_ADMIN", "CAP_NET_ADMIN"};
  // Drop some, then add.
  EXPECT_EQ(EffectiveCapabilities(defaults, all, {"CAP_SYS_ADMIN"}, {"CAP_KILL"}, false),
            (V{"CAP_CHOWN", "CAP_NET_RAW", "CAP_SYS_ADMIN"}));
  // Drop ALL, then add: only the added.
  EXPECT_EQ(EffectiveCapabilities(defaults, all, {"CAP_KILL"}, {"ALL"}, false), (V{"CAP_KILL"}));
  EXPECT_EQ(EffectiveCapabilities(defaults, all, {}, {"ALL"}, false), V{});
  // Add ALL: everything the host has, less the drops.
  EXPECT_EQ(EffectiveCapabilities(defaults, all, {"ALL"}, {"CAP_SYS_ADMIN"}, false),
            (V{"CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_NET_ADMIN"}));
  // Privileged: everything, whatever else is asked.
  EXPECT_EQ(EffectiveCapabilities(defaults, all, {}, {"ALL"}, true), all);
  // No duplicates when adding a default.
  EXPECT_EQ(EffectiveCapabilities(defaults, all, {"CAP_KILL"}, {}, false), defaults);
}

TEST(Capabilities, NamesOfAMask) {
  EXPECT_EQ(CapabilityNames(0x1), V{"CAP_CHOWN"});
  EXPECT_EQ(CapabilityNames((1ULL << 21) | (1ULL << 5)), (V{"CAP_KILL", "CAP_SYS_ADMIN"}));
  auto host = HostBoundingCapabilities();
  ASSERT_TRUE(host) << host.error().What();
  EXPECT_FALSE(host->empty());
}

TEST(ParseSecurity, ReadsAndWritesBackDockersFields) {
  json in = {
      {"Privileged", false},
      {"CapAdd", {"sys_admin", "NET_ADMIN"}},
      {"CapDrop", {"ALL"}},
      {"SecurityOpt",
       {"no-new-privileges", "seccomp=unconfined", "apparmor=unconfined", "label=disable"}},
      {"ReadonlyRootfs", true},
      {"Devices",
       {{{"PathOnHost", "/dev/null"}, {"PathInContainer", "/dev/x"}, {"CgroupPermissions", "rw"}}}},
      {"DeviceCgroupRules", {"c 1:3 mr", "a *:* rwm", "b 7:* rw"}},
      {"GroupAdd", {"audio", "1234"}},
      {"Sysctls", {{"net.ipv4.ip_forward", "1"}, {"kernel.shmmax", "1000000"}}}};
  auto s = Parse(in);
  ASSERT_TRUE(s) << s.error().What();
  EXPECT_EQ(s->cap_add_names, (V{"CAP_SYS_ADMIN", "CAP_NET_ADMIN"}));
  EXPECT_EQ(s->cap_drop_names, V{"ALL"});
  EXPECT_TRUE(s->no_new_privileges);
  EXPECT_EQ(s->seccomp, SeccompMode::kUnconfined);
  EXPECT_TRUE(s->readonly_rootfs);
  ASSERT_EQ(s->cgroup_rules.size(), 3u);
  EXPECT_EQ(s->cgroup_rules[0].type, "c");
  EXPECT_EQ(s->cgroup_rules[0].major, 1);
  EXPECT_EQ(s->cgroup_rules[0].minor, 3);
  EXPECT_EQ(s->cgroup_rules[0].access, "mr");
  EXPECT_FALSE(s->cgroup_rules[1].major.has_value());
  EXPECT_FALSE(s->cgroup_rules[2].minor.has_value());

  // Written back as given, read again unchanged.
  json out = json::object();
  SecurityToJson(*s, &out);
  EXPECT_EQ(out["CapAdd"], in["CapAdd"]);
  EXPECT_EQ(out["SecurityOpt"], in["SecurityOpt"]);
  EXPECT_EQ(out["Devices"], in["Devices"]);
  EXPECT_EQ(out["Sysctls"], in["Sysctls"]);
  EXPECT_EQ(out["ReadonlyRootfs"], true);
  auto again = Parse(out);
  ASSERT_TRUE(again) << again.error().What();
  EXPECT_EQ(again->group_add, s->group_add);

  // Unset fields show as docker shows them.
  json empty = json::object();
  SecurityToJson(Parse(json::object()).value(), &empty);
  EXPECT_TRUE(empty["CapAdd"].is_null());
  EXPECT_TRUE(empty["SecurityOpt"].is_null());
  EXPECT_EQ(empty["Devices"], json::array());
  EXPECT_FALSE(empty.contains("Sysctls"));
}

TEST(ParseSecurity, NoNewPrivilegesForms) {
  for (const char* opt : {"no-new-privileges", "no-new-privileges:true", "no-new-privileges=true",
                          "no-new-privileges=1"})
    EXPECT_TRUE(Parse({{"SecurityOpt", {opt}}}).value().no_new_privileges) << opt;
  for (const char* opt : {"no-new-privileges:false", "no-new-privileges=false"})
    EXPECT_FALSE(Parse({{"SecurityOpt", {opt}}}).value().no_new_privileges) << opt;
  EXPECT_EQ(ErrorOf({{"SecurityOpt", {"no-new-privileges=maybe"}}}),
            "invalid --security-opt: \"no-new-privileges=maybe\": the value must be true or false");
}

TEST(ParseSecurity, BadInputIsOneLineNamingTheCause) {
  EXPECT_EQ(ErrorOf({{"CapAdd", {"FOO"}}}), "invalid CapAdd: unknown capability: \"CAP_FOO\"");
  EXPECT_EQ(ErrorOf({{"CapDrop", {"bar"}}}), "invalid CapDrop: unknown capability: \"CAP_BAR\"");
  EXPECT_EQ(ErrorOf({{"SecurityOpt", {"foo=bar"}}}), "invalid --security-opt: \"foo=bar\"");
  EXPECT_EQ(ErrorOf({{"SecurityOpt", {"nonsense"}}}), "invalid --security-opt: \"nonsense\"");
  EXPECT_NE(ErrorOf({{"SecurityOpt", {"label=user:u"}}}).find("only label=disable"),
            std::string::npos);
  std::string bad_json = ErrorOf({{"SecurityOpt", {"seccomp={not json"}}});
  EXPECT_NE(bad_json.find("invalid --security-opt seccomp: the profile is not valid JSON: parse "
                          "error at line 1"),
            std::string::npos)
      << bad_json;
  EXPECT_EQ(bad_json.find('\n'), std::string::npos);
  std::string no_action = ErrorOf({{"SecurityOpt", {R"(seccomp={"syscalls": []})"}}});
  EXPECT_NE(no_action.find("defaultAction"), std::string::npos) << no_action;
  EXPECT_EQ(ErrorOf({{"DeviceCgroupRules", {"x 1:3 r"}}}),
            "invalid device cgroup rule format: 'x 1:3 r'");
  EXPECT_EQ(ErrorOf({{"DeviceCgroupRules", {"c 1:3 rwx"}}}),
            "invalid device cgroup rule format: 'c 1:3 rwx'");
  EXPECT_EQ(ErrorOf({{"DeviceCgroupRules", {"c 1 r"}}}),
            "invalid device cgroup rule format: 'c 1 r'");
  EXPECT_EQ(ErrorOf({{"Devices", {{{"PathOnHost", "/dev/null"}, {"PathInContainer", "rel"}}}}}),
            "rel is not an absolute path");
  EXPECT_EQ(ErrorOf({{"Devices",
                      {{{"PathOnHost", "/dev/null"},
                        {"PathInContainer", "/dev/n"},
                        {"CgroupPermissions", "rwq"}}}}}),
            "bad mode specified: rwq");
  EXPECT_NE(ErrorOf({{"Sysctls", {{"kernel.panic", "1"}}}}).find("is not namespaced"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf({{"Sysctls", {{"net.ipv4.ip_forward", "1"}}}}, {.own_ipc = true, .own_net = false})
          .find("shares a network namespace"),
      std::string::npos);
  EXPECT_NE(ErrorOf({{"Sysctls", {{"kernel.msgmax", "1"}}}}, {.own_ipc = false, .own_net = true})
                .find("shares an IPC namespace"),
            std::string::npos);
  EXPECT_NE(ErrorOf({{"Sysctls", {{"net/../../x", "1"}}}}).find("not a sysctl name"),
            std::string::npos);
}

TEST(ParseSecurity, PrivilegedAccepted) {
  auto r = ParseCreateRequest(R"({"HostConfig": {"Privileged": true}})");
  ASSERT_TRUE(r) << r.error().What();
  EXPECT_TRUE(r->host_config.security.privileged);
  // A host-network container cannot set net.* sysctls.
  auto net = ParseCreateRequest(
      R"({"HostConfig": {"NetworkMode": "host", "Sysctls": {"net.core.somaxconn": "1024"}}})");
  EXPECT_FALSE(net);
}

TEST(HostDevices, MappingsAndTheHostsDev) {
  DeviceMapping m{"/dev/null", "/dev/mynull", "rw"};
  auto d = DevicesForMapping(m);
  ASSERT_TRUE(d) << d.error().What();
  ASSERT_EQ(d->nodes.size(), 1u);
  EXPECT_EQ(d->nodes[0].path, "/dev/mynull");
  EXPECT_EQ(d->nodes[0].type, "c");
  EXPECT_EQ(d->nodes[0].major, 1);
  EXPECT_EQ(d->nodes[0].minor, 3);
  ASSERT_EQ(d->rules.size(), 1u);
  EXPECT_EQ(d->rules[0].access, "rw");
  EXPECT_TRUE(d->rules[0].allow);

  auto missing = DevicesForMapping({"/dev/berth-no-such-device", "", ""});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().What(),
            "error gathering device information while adding custom device "
            "\"/dev/berth-no-such-device\": no such file or directory");
  auto file = DevicesForMapping({"/etc/hostname", "", ""});
  ASSERT_FALSE(file);
  EXPECT_NE(file.error().What().find("not a device node"), std::string::npos);

  auto all = HostDevices();
  EXPECT_TRUE(std::any_of(all.begin(), all.end(),
                          [](const spec::Device& d) { return d.path == "/dev/null"; }));
  for (const auto& dev : all) {
    EXPECT_NE(dev.path, "/dev/console");
    EXPECT_NE(dev.path, "/dev/ptmx");
    EXPECT_FALSE(dev.path.starts_with("/dev/pts/")) << dev.path;
  }
}

class ApplyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-sec-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    in_.id = std::string(64, 'b');
    in_.rootfs = base_ + "/rootfs";
    in_.container_dir = base_ + "/ctr";
    in_.host_resolv_conf = base_ + "/resolv.conf";
    in_.host_hosts = base_ + "/hosts";
    ASSERT_TRUE(MkdirAll(in_.rootfs + "/etc", 0755));
    ASSERT_TRUE(MkdirAll(in_.container_dir, 0755));
    ASSERT_TRUE(WriteFileAtomic(in_.rootfs + "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"));
    ASSERT_TRUE(
        WriteFileAtomic(in_.rootfs + "/etc/group", "root:x:0:\naudio:x:29:\nvideo:x:44:\n"));
    ASSERT_TRUE(WriteFileAtomic(in_.host_resolv_conf, "nameserver 9.9.9.9\n"));
    ASSERT_TRUE(WriteFileAtomic(in_.host_hosts, "127.0.0.1 localhost\n"));
    in_.image_config = {{"Cmd", {"sh"}}};
  }
  void TearDown() override { (void)RemoveAll(base_); }

  Result<spec::Config> Build(const json& host) {
    auto s = ParseSecurity(host, {});
    if (!s) return std::unexpected(s.error());
    in_.host_config.security = *s;
    auto spec = BuildContainerSpec(in_);
    if (!spec) return std::unexpected(spec.error());
    return spec->config;
  }

  static const spec::Mount* FindMount(const spec::Config& c, const std::string& dest) {
    for (const auto& m : c.mounts)
      if (m.destination == dest) return &m;
    return nullptr;
  }

  std::string base_;
  ContainerSpecInput in_;
};

TEST_F(ApplyTest, DefaultsAreDockersBaseline) {
  auto c = Build(json::object());
  ASSERT_TRUE(c) << c.error().What();
  EXPECT_EQ(c->process->capabilities->bounding, DefaultCapabilities());
  EXPECT_FALSE(c->process->no_new_privileges);
  EXPECT_FALSE(c->linux->seccomp.is_null());
  EXPECT_FALSE(c->root.readonly);
  EXPECT_FALSE(c->linux->masked_paths.empty());
}

TEST_F(ApplyTest, CapabilitiesAndSeccompFollowThem) {
  auto c = Build({{"CapAdd", {"SYS_ADMIN"}}, {"CapDrop", {"NET_RAW"}}});
  ASSERT_TRUE(c) << c.error().What();
  const auto& caps = *c->process->capabilities;
  EXPECT_TRUE(Has(caps.bounding, "CAP_SYS_ADMIN"));
  EXPECT_FALSE(Has(caps.bounding, "CAP_NET_RAW"));
  EXPECT_EQ(caps.effective, caps.bounding);
  EXPECT_EQ(caps.permitted, caps.bounding);
  EXPECT_TRUE(caps.inheritable.empty());
  // The default profile admits mount for CAP_SYS_ADMIN.
  bool mount_allowed = false;
  for (const auto& r : c->linux->seccomp["syscalls"])
    if (r["action"] == "SCMP_ACT_ALLOW")
      for (const auto& n : r["names"]) mount_allowed = mount_allowed || n == "mount";
  EXPECT_TRUE(mount_allowed);
}

TEST_F(ApplyTest, SecurityOptsAndCustomProfile) {
  auto c = Build(
      {{"SecurityOpt",
        {"no-new-privileges",
         R"(seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]})"}}});
  ASSERT_TRUE(c) << c.error().What();
  EXPECT_TRUE(c->process->no_new_privileges);
  EXPECT_EQ(c->linux->seccomp["defaultAction"], "SCMP_ACT_ALLOW");
  ASSERT_EQ(c->linux->seccomp["syscalls"].size(), 1u);
  auto u = Build({{"SecurityOpt", {"seccomp=unconfined"}}});
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->linux->seccomp.is_null());
}

TEST_F(ApplyTest, ReadonlyRootKeepsDevAndUserMountsWritable) {
  spec::Mount vol;
  vol.destination = "/data";
  vol.type = "bind";
  vol.source = base_;
  vol.options = {"rbind", "rw"};
  in_.extra_mounts.push_back(vol);
  auto c = Build({{"ReadonlyRootfs", true}});
  ASSERT_TRUE(c) << c.error().What();
  EXPECT_TRUE(c->root.readonly);
  for (const char* rw : {"/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/data"}) {
    const spec::Mount* m = FindMount(*c, rw);
    ASSERT_NE(m, nullptr) << rw;
    EXPECT_FALSE(Has(m->options, "ro")) << rw;
  }
  for (const char* ro : {"/etc/hosts", "/etc/resolv.conf", "/etc/hostname", "/sys"}) {
    const spec::Mount* m = FindMount(*c, ro);
    ASSERT_NE(m, nullptr) << ro;
    EXPECT_TRUE(Has(m->options, "ro")) << ro;
  }
}

TEST_F(ApplyTest, PrivilegedGetsTheHost) {
  auto c = Build({{"Privileged", true}, {"ReadonlyRootfs", true}});
  ASSERT_TRUE(c) << c.error().What();
  EXPECT_EQ(c->process->capabilities->bounding, HostBoundingCapabilities().value());
  EXPECT_TRUE(c->linux->seccomp.is_null());
  EXPECT_TRUE(c->linux->masked_paths.empty());
  EXPECT_TRUE(c->linux->readonly_paths.empty());
  EXPECT_FALSE(Has(FindMount(*c, "/sys")->options, "ro"));
  EXPECT_FALSE(Has(FindMount(*c, "/sys/fs/cgroup")->options, "ro"));
  ASSERT_EQ(c->linux->device_rules.size(), 1u);
  EXPECT_EQ(c->linux->device_rules[0].type, "a");
  EXPECT_TRUE(c->linux->device_rules[0].allow);
  EXPECT_TRUE(std::any_of(c->linux->devices.begin(), c->linux->devices.end(),
                          [](const spec::Device& d) { return d.path == "/dev/null"; }));
}

TEST_F(ApplyTest, DevicesRulesGroupsSysctls) {
  auto c = Build({{"Devices",
                   {{{"PathOnHost", "/dev/null"},
                     {"PathInContainer", "/dev/nul2"},
                     {"CgroupPermissions", "rwm"}}}},
                  {"DeviceCgroupRules", {"b 7:* rw"}},
                  {"GroupAdd", {"audio", "4321", "44"}},
                  {"Sysctls", {{"kernel.shmmax", "123456"}}}});
  ASSERT_TRUE(c) << c.error().What();
  const auto& devs = c->linux->devices;
  ASSERT_EQ(devs.size(), 1u);
  EXPECT_EQ(devs[0].path, "/dev/nul2");
  const auto& rules = c->linux->device_rules;
  ASSERT_GE(rules.size(), 2u);
  EXPECT_EQ(rules[rules.size() - 2].major, 1);
  EXPECT_EQ(rules[rules.size() - 2].minor, 3);
  EXPECT_EQ(rules.back().type, "b");
  EXPECT_EQ(rules.back().major, 7);
  EXPECT_EQ(c->process->user.additional_gids, (std::vector<uint32_t>{29, 4321, 44}));
  EXPECT_EQ(c->linux->sysctl.at("kernel.shmmax"), "123456");

  auto bad = Build({{"GroupAdd", {"nosuchgroup"}}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().What(),
            "Unable to find group nosuchgroup: no matching entries in group file");
}

TEST(CheckSecurityOnHost, RefusesWhatTheHostCannotGive) {
  auto missing = ParseSecurity({{"Devices", {{{"PathOnHost", "/dev/berth-nope"}}}}}, {});
  ASSERT_TRUE(missing);
  auto s = CheckSecurityOnHost(*missing);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().What().find("error gathering device information"), std::string::npos);
  EXPECT_TRUE(CheckSecurityOnHost(ParseSecurity({{"Privileged", true}}, {}).value()));
  // A profile that parses but names an action that does not exist.
  auto bad = ParseSecurity({{"SecurityOpt", {R"(seccomp={"defaultAction":"SCMP_ACT_NOPE"})"}}}, {});
  ASSERT_TRUE(bad) << bad.error().What();
  auto r = CheckSecurityOnHost(*bad);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().What().find("invalid --security-opt seccomp"), std::string::npos);
}

}  // namespace
}  // namespace berth::engine
