#include "spec/runtime_spec.h"

#include <linux/capability.h>
#include <sys/resource.h>

#include <functional>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace berth::spec {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Every field this package types, each with a non-default value, written as
// ConfigToJson writes it (so the round trip must give it back unchanged).
constexpr const char* kFullConfig = R"({
  "ociVersion": "1.2.0",
  "root": {"path": "/var/lib/b/rootfs", "readonly": true},
  "process": {
    "terminal": true,
    "consoleSize": {"height": 24, "width": 80},
    "user": {"uid": 1000, "gid": 1000, "umask": 18, "additionalGids": [5, 27],
             "username": "app"},
    "args": ["/bin/sh", "-c", "echo hi"],
    "env": ["PATH=/bin", "EMPTY="],
    "cwd": "/home/app",
    "capabilities": {
      "bounding": ["CAP_CHOWN", "CAP_CHECKPOINT_RESTORE"], "effective": ["CAP_KILL"],
      "inheritable": ["CAP_BPF"], "permitted": ["CAP_KILL"], "ambient": ["CAP_KILL"]
    },
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 4096, "soft": 1024},
                {"type": "RLIMIT_CORE", "hard": 18446744073709551615, "soft": 0}],
    "noNewPrivileges": true,
    "apparmorProfile": "docker-default",
    "selinuxLabel": "system_u:system_r:container_t:s0",
    "oomScoreAdj": -500,
    "scheduler": {"policy": "SCHED_DEADLINE", "nice": -5, "flags": ["SCHED_FLAG_RECLAIM"],
                  "runtime": 1000, "deadline": 2000, "period": 3000},
    "ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 4}
  },
  "hostname": "box",
  "domainname": "example.org",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/data", "type": "none", "source": "/srv/data",
     "options": ["rbind", "idmap"],
     "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
     "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}]}
  ],
  "hooks": {
    "prestart": [{"path": "/usr/bin/a"}],
    "createRuntime": [{"path": "/usr/bin/b", "args": ["b", "x"], "env": ["K=V"], "timeout": 5}],
    "createContainer": [{"path": "/usr/bin/c"}],
    "startContainer": [{"path": "/usr/bin/d"}],
    "poststart": [{"path": "/usr/bin/e"}],
    "poststop": [{"path": "/usr/bin/f"}, {"path": "/usr/bin/g"}]
  },
  "annotations": {"org.example.key": "value"},
  "linux": {
    "namespaces": [{"type": "pid"}, {"type": "network", "path": "/run/netns/x"},
                   {"type": "mount"}, {"type": "ipc"}, {"type": "uts"}, {"type": "user"},
                   {"type": "cgroup"}, {"type": "time"}],
    "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
    "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
    "timeOffsets": {"monotonic": {"secs": -10, "nanosecs": 5},
                    "boottime": {"secs": 3600, "nanosecs": 0}},
    "devices": [{"type": "c", "path": "/dev/fuse", "major": 10, "minor": 229,
                 "fileMode": 438, "uid": 0, "gid": 0},
                {"type": "p", "path": "/dev/fifo"}],
    "cgroupsPath": "/berth/abc",
    "resources": {
      "devices": [{"allow": false, "access": "rwm"},
                  {"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rw"}],
      "memory": {"limit": 536870912},
      "pids": {"limit": 100}
    },
    "sysctl": {"net.ipv4.ip_forward": "1"},
    "rootfsPropagation": "rslave",
    "maskedPaths": ["/proc/kcore"],
    "readonlyPaths": ["/proc/sys"],
    "mountLabel": "system_u:object_r:container_file_t:s0",
    "personality": {"domain": "LINUX32", "flags": ["SOMEFLAG"]},
    "seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": []},
    "intelRdt": {"closID": "x"}
  }
})";

// The smallest config the parser accepts with a process, the base that the
// bad-input cases below break one field at a time.
json MinimalConfig() {
  return json::parse(R"({
    "ociVersion": "1.2.0",
    "root": {"path": "rootfs"},
    "process": {"user": {"uid": 0, "gid": 0}, "args": ["sh"], "cwd": "/"},
    "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "uts"}]}
  })");
}

TEST(RuntimeSpec, FullConfigParsesIntoTypedFields) {
  auto c = ParseConfig(kFullConfig);
  ASSERT_TRUE(c) << c.error().What();
  ASSERT_TRUE(c->process);
  EXPECT_EQ(c->process->user.uid, 1000u);
  EXPECT_EQ(c->process->user.umask, 18u);
  EXPECT_EQ(c->process->args.size(), 3u);
  EXPECT_EQ(c->process->rlimits[1].hard, UINT64_MAX);
  EXPECT_EQ(c->process->oom_score_adj, -500);
  EXPECT_EQ(c->process->scheduler->nice, -5);
  EXPECT_EQ(c->process->io_priority->io_class, "IOPRIO_CLASS_BE");
  EXPECT_EQ(c->mounts[1].uid_mappings[0].host_id, 100000u);
  EXPECT_EQ(c->hooks.create_runtime[0].timeout, 5);
  EXPECT_EQ(c->hooks.poststop.size(), 2u);
  ASSERT_TRUE(c->linux);
  EXPECT_EQ(c->linux->namespaces[1].path, "/run/netns/x");
  EXPECT_EQ(c->linux->time_offsets.at("monotonic").secs, -10);
  EXPECT_EQ(c->linux->devices[0].file_mode, 0666u);
  EXPECT_EQ(c->linux->device_rules.size(), 2u);
  EXPECT_EQ(c->linux->device_rules[1].major, 10);
  EXPECT_FALSE(c->linux->resources_other.contains("devices"));
  EXPECT_EQ(c->linux->resources_other["pids"]["limit"], 100);
  EXPECT_EQ(c->linux->personality->domain, "LINUX32");
  EXPECT_EQ(c->linux->seccomp["defaultAction"], "SCMP_ACT_ERRNO");
}

TEST(RuntimeSpec, FullConfigRoundTrips) {
  json doc = json::parse(kFullConfig);
  auto c = ConfigFromJson(doc);
  ASSERT_TRUE(c) << c.error().What();
  json out = ConfigToJson(*c);
  EXPECT_EQ(out, doc) << json::diff(doc, out).dump();
  auto again = ConfigFromJson(out);
  ASSERT_TRUE(again) << again.error().What();
  EXPECT_EQ(ConfigToJson(*again), out);
}

// process.user is always written (the spec requires uid and gid); other
// empty fields are left out.
TEST(RuntimeSpec, MinimalConfigRoundTripsWithoutEmptyFields) {
  auto c = ConfigFromJson(MinimalConfig());
  ASSERT_TRUE(c) << c.error().What();
  json out = ConfigToJson(*c);
  EXPECT_EQ(out, MinimalConfig()) << out.dump();
}

TEST(RuntimeSpec, ProcessAndLinuxMayBeAbsent) {
  auto c = ParseConfig(R"({"ociVersion": "1.0.0", "root": {"path": "r"}})");
  ASSERT_TRUE(c) << c.error().What();
  EXPECT_FALSE(c->process);
  EXPECT_FALSE(c->linux);
  EXPECT_EQ(ConfigToJson(*c), json::parse(R"({"ociVersion": "1.0.0", "root": {"path": "r"}})"));
}

TEST(RuntimeSpec, NullIsTreatedAsAbsentAndUnknownFieldsAreIgnored) {
  json doc = MinimalConfig();
  doc["mounts"] = nullptr;
  doc["process"]["env"] = nullptr;
  doc["process"]["execCPUAffinity"] = {{"initial", "0"}};
  doc["org.example.extension"] = {{"anything", 1}};
  doc["linux"]["netDevices"] = {{"eth0", json::object()}};
  auto c = ConfigFromJson(doc);
  ASSERT_TRUE(c) << c.error().What();
  EXPECT_TRUE(c->mounts.empty());
  EXPECT_TRUE(c->process->env.empty());
}

TEST(RuntimeSpec, Version10AllowsRelativeMountDestination) {
  json doc = MinimalConfig();
  doc["ociVersion"] = "1.0.2-dev";
  doc["mounts"] = {{{"destination", "data"}, {"type", "tmpfs"}, {"source", "tmpfs"}}};
  auto c = ConfigFromJson(doc);
  ASSERT_TRUE(c) << c.error().What();
  EXPECT_EQ(c->mounts[0].destination, "data");
}

TEST(RuntimeSpec, ResourcesOtherIsNullWithoutOtherControllers) {
  json doc = MinimalConfig();
  doc["linux"]["resources"] = {{"devices", {{{"allow", false}, {"access", "rwm"}}}}};
  auto c = ConfigFromJson(doc);
  ASSERT_TRUE(c) << c.error().What();
  EXPECT_TRUE(c->linux->resources_other.is_null());
  EXPECT_EQ(c->linux->device_rules.size(), 1u);
  EXPECT_EQ(ConfigToJson(*c)["linux"]["resources"], doc["linux"]["resources"]);
}

TEST(RuntimeSpec, JoinedUserNamespaceNeedsNoMappings) {
  json doc = MinimalConfig();
  doc["linux"]["namespaces"].push_back({{"type", "user"}, {"path", "/proc/1/ns/user"}});
  auto c = ConfigFromJson(doc);
  EXPECT_TRUE(c) << c.error().What();
}

// runc 1.1.5's `runc spec`, verbatim; berth-runtime spec must write the same.
constexpr const char* kRuncSpec = R"({
  "ociVersion": "1.0.2-dev",
  "process": {
    "terminal": true,
    "user": {"uid": 0, "gid": 0},
    "args": ["sh"],
    "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
    "cwd": "/",
    "capabilities": {
      "bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "ambient": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
    },
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
    "noNewPrivileges": true
  },
  "root": {"path": "rootfs", "readonly": true},
  "hostname": "runc",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
     "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
     "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
    {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
     "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs",
     "options": ["nosuid", "noexec", "nodev", "ro"]},
    {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
     "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}
  ],
  "linux": {
    "resources": {"devices": [{"allow": false, "access": "rwm"}]},
    "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"},
                   {"type": "mount"}],
    "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                    "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                    "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
    "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
  }
})";

TEST(DefaultConfig, MatchesRuncSpec) { EXPECT_EQ(DefaultConfig(false), json::parse(kRuncSpec)); }

TEST(DefaultConfig, RootlessMatchesRuncSpecRootless) {
  // runc spec --rootless: no gid=5 on devpts, /sys bind-mounted, no device
  // rules, a user namespace instead of a network one, mapped to the caller.
  json want = json::parse(kRuncSpec);
  auto& devpts = want["mounts"][2]["options"];
  devpts.erase(devpts.size() - 1);
  want["mounts"][5] = {{"destination", "/sys"},
                       {"type", "none"},
                       {"source", "/sys"},
                       {"options", {"rbind", "nosuid", "noexec", "nodev", "ro"}}};
  json& linux = want["linux"];
  linux.erase("resources");
  linux["namespaces"] = json::parse(
      R"([{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"},
          {"type": "user"}])");
  linux["uidMappings"] = json::parse(R"([{"containerID": 0, "hostID": 1000, "size": 1}])");
  linux["gidMappings"] = json::parse(R"([{"containerID": 0, "hostID": 100, "size": 1}])");
  EXPECT_EQ(DefaultConfig(true, 1000, 100), want)
      << json::diff(want, DefaultConfig(true, 1000, 100));
}

TEST(DefaultConfig, BothVariantsParse) {
  for (bool rootless : {false, true}) {
    auto c = ConfigFromJson(DefaultConfig(rootless));
    ASSERT_TRUE(c) << "rootless=" << rootless << ": " << c.error().What();
    EXPECT_EQ(ConfigToJson(*c), DefaultConfig(rootless));
  }
}

struct BadCase {
  const char* name;
  std::function<void(json&)> mutate;
  const char* want;  // a substring of the error
};

const BadCase kBadCases[] = {
    {"not an object", [](json& d) { d = json::array(); }, "must be a JSON object"},
    {"no ociVersion", [](json& d) { d.erase("ociVersion"); }, "ociVersion: is required"},
    {"ociVersion number", [](json& d) { d["ociVersion"] = 1; }, "ociVersion: must be a string"},
    {"ociVersion too new", [](json& d) { d["ociVersion"] = "1.3.0"; },
     R"(ociVersion: unsupported version "1.3.0" (berth-runtime supports 1.0.0 to 1.2.x))"},
    {"no root", [](json& d) { d.erase("root"); }, "root: is required"},
    {"empty root.path", [](json& d) { d["root"]["path"] = ""; }, "root.path: is required"},
    {"root.readonly string", [](json& d) { d["root"]["readonly"] = "yes"; },
     "root.readonly: must be a boolean"},
    {"process not object", [](json& d) { d["process"] = 3; }, "process: must be an object"},
    {"no args", [](json& d) { d["process"].erase("args"); },
     "process.args: must be a non-empty array of strings"},
    {"empty args", [](json& d) { d["process"]["args"] = json::array(); },
     "process.args: must be a non-empty array of strings"},
    {"args string", [](json& d) { d["process"]["args"] = "sh"; },
     "process.args: must be a non-empty array of strings"},
    {"args element",
     [](json& d) {
       d["process"]["args"] = {"sh", 1};
     },
     "process.args[1]: must be a string"},
    {"no cwd", [](json& d) { d["process"].erase("cwd"); }, "process.cwd: is required"},
    {"relative cwd", [](json& d) { d["process"]["cwd"] = "tmp"; },
     R"(process.cwd: must be an absolute path, got "tmp")"},
    {"env without =",
     [](json& d) {
       d["process"]["env"] = {"A=1", "FOO"};
     },
     R"(process.env[1]: "FOO" is not of the form KEY=VALUE)"},
    {"env empty name", [](json& d) { d["process"]["env"] = {"=x"}; }, "process.env[0]"},
    {"env NUL", [](json& d) { d["process"]["env"] = {std::string("A=b\0c", 5)}; },
     "process.env[0]"},
    {"negative uid",
     [](json& d) {
       d["process"]["user"] = {{"uid", -1}};
     },
     "process.user.uid: must be an integer from 0 to 4294967295"},
    {"uid too big",
     [](json& d) {
       d["process"]["user"] = {{"uid", 4294967296}};
     },
     "process.user.uid"},
    {"uid float",
     [](json& d) {
       d["process"]["user"] = {{"uid", 1.5}};
     },
     "process.user.uid"},
    {"gid string",
     [](json& d) {
       d["process"]["user"] = {{"gid", "0"}};
     },
     "process.user.gid"},
    {"additionalGids element",
     [](json& d) {
       d["process"]["user"] = {{"additionalGids", {"a"}}};
     },
     "process.user.additionalGids[0]"},
    {"unknown capability",
     [](json& d) {
       d["process"]["capabilities"] = {{"bounding", {"CAP_KILL", "CAP_FOO"}}};
     },
     R"(process.capabilities.bounding: unknown capability "CAP_FOO")"},
    {"lowercase capability",
     [](json& d) {
       d["process"]["capabilities"] = {{"ambient", {"cap_kill"}}};
     },
     "process.capabilities.ambient: unknown capability"},
    {"unknown rlimit",
     [](json& d) {
       d["process"]["rlimits"] = {{{"type", "RLIMIT_FOO"}, {"hard", 1}, {"soft", 1}}};
     },
     R"(process.rlimits[0].type: unknown rlimit "RLIMIT_FOO")"},
    {"rlimit soft > hard",
     [](json& d) {
       d["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"hard", 1}, {"soft", 2}}};
     },
     "process.rlimits[0]: soft limit 2 exceeds hard limit 1"},
    {"rlimit duplicate",
     [](json& d) {
       json r = {{"type", "RLIMIT_NOFILE"}, {"hard", 1}, {"soft", 1}};
       d["process"]["rlimits"] = {r, r};
     },
     R"(process.rlimits[1].type: duplicate rlimit "RLIMIT_NOFILE")"},
    {"rlimit no hard",
     [](json& d) {
       d["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"soft", 1}}};
     },
     "process.rlimits[0].hard: is required"},
    {"scheduler policy",
     [](json& d) {
       d["process"]["scheduler"] = {{"policy", "SCHED_FOO"}};
     },
     R"(process.scheduler.policy: unknown policy "SCHED_FOO")"},
    {"scheduler no policy",
     [](json& d) {
       d["process"]["scheduler"] = {{"nice", 1}};
     },
     "process.scheduler.policy: is required"},
    {"scheduler nice",
     [](json& d) {
       d["process"]["scheduler"] = {{"policy", "SCHED_OTHER"}, {"nice", 20}};
     },
     "process.scheduler.nice: must be an integer from -20 to 19"},
    {"scheduler priority for OTHER",
     [](json& d) {
       d["process"]["scheduler"] = {{"policy", "SCHED_OTHER"}, {"priority", 5}};
     },
     "process.scheduler.priority"},
    {"scheduler flag",
     [](json& d) {
       d["process"]["scheduler"] = {{"policy", "SCHED_RR"}, {"flags", {"X"}}};
     },
     "process.scheduler.flags[0]: unknown flag"},
    {"ioPriority class",
     [](json& d) {
       d["process"]["ioPriority"] = {{"class", "IOPRIO_CLASS_X"}, {"priority", 0}};
     },
     R"(process.ioPriority.class: unknown class "IOPRIO_CLASS_X")"},
    {"ioPriority priority",
     [](json& d) {
       d["process"]["ioPriority"] = {{"class", "IOPRIO_CLASS_BE"}, {"priority", 8}};
     },
     "process.ioPriority.priority: must be an integer from 0 to 7"},
    {"oomScoreAdj", [](json& d) { d["process"]["oomScoreAdj"] = 1001; },
     "process.oomScoreAdj: must be an integer from -1000 to 1000"},
    {"consoleSize",
     [](json& d) {
       d["process"]["consoleSize"] = {{"height", 1}};
     },
     "process.consoleSize.width: is required"},
    {"mounts not array", [](json& d) { d["mounts"] = json::object(); }, "mounts: must be an array"},
    {"mount relative destination",
     [](json& d) {
       d["mounts"] = {{{"destination", "data"}}};
     },
     R"(mounts[0].destination: must be an absolute path, got "data")"},
    {"mount no destination",
     [](json& d) {
       d["mounts"] = {{{"type", "tmpfs"}}};
     },
     "mounts[0].destination: is required"},
    {"mount option type",
     [](json& d) {
       d["mounts"] = {{{"destination", "/a"}, {"options", {"ro", 1}}}};
     },
     "mounts[0].options[1]: must be a string"},
    {"mount uidMappings alone",
     [](json& d) {
       d["mounts"] = {{{"destination", "/a"},
                       {"uidMappings", {{{"containerID", 0}, {"hostID", 1}, {"size", 1}}}}}};
     },
     "mounts[0]: uidMappings and gidMappings must be given together"},
    {"mount mapping size 0",
     [](json& d) {
       json m = {{{"containerID", 0}, {"hostID", 1}, {"size", 0}}};
       d["mounts"] = {{{"destination", "/a"}, {"uidMappings", m}, {"gidMappings", m}}};
     },
     "mounts[0].uidMappings[0].size: must be greater than 0"},
    {"hook relative path",
     [](json& d) {
       d["hooks"] = {{"prestart", {{{"path", "hook"}}}}};
     },
     R"(hooks.prestart[0].path: must be an absolute path, got "hook")"},
    {"hook no path",
     [](json& d) {
       d["hooks"] = {{"poststop", {{{"args", {"x"}}}}}};
     },
     "hooks.poststop[0].path: is required"},
    {"hook timeout 0",
     [](json& d) {
       d["hooks"] = {{"createRuntime", {{{"path", "/h"}, {"timeout", 0}}}}};
     },
     "hooks.createRuntime[0].timeout: must be greater than 0"},
    {"hook stage not array",
     [](json& d) {
       d["hooks"] = {{"startContainer", "x"}};
     },
     "hooks.startContainer: must be an array"},
    {"unknown namespace",
     [](json& d) {
       d["linux"]["namespaces"].push_back({{"type", "foo"}});
     },
     R"(linux.namespaces[3].type: unknown namespace type "foo")"},
    {"duplicate namespace",
     [](json& d) {
       d["linux"]["namespaces"].push_back({{"type", "pid"}});
     },
     R"(linux.namespaces: duplicate namespace "pid")"},
    {"relative namespace path",
     [](json& d) { d["linux"]["namespaces"][0]["path"] = "proc/1/ns/pid"; },
     "linux.namespaces[0].path: must be an absolute path"},
    {"new userns without mappings",
     [](json& d) {
       d["linux"]["namespaces"].push_back({{"type", "user"}});
     },
     "linux.uidMappings: required when a new user namespace is requested"},
    {"new userns without gid mappings",
     [](json& d) {
       d["linux"]["namespaces"].push_back({{"type", "user"}});
       d["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 1000}, {"size", 1}}};
     },
     "linux.gidMappings: required when a new user namespace is requested"},
    {"mappings without userns",
     [](json& d) {
       d["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 1000}, {"size", 1}}};
     },
     "linux.uidMappings: given without a user namespace"},
    {"mapping field type",
     [](json& d) {
       d["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", "x"}}};
     },
     "linux.gidMappings[0].hostID: must be an integer"},
    {"timeOffsets unknown clock",
     [](json& d) {
       d["linux"]["namespaces"].push_back({{"type", "time"}});
       d["linux"]["timeOffsets"] = {{"realtime", {{"secs", 1}}}};
     },
     R"(linux.timeOffsets: unknown clock "realtime")"},
    {"timeOffsets without time ns",
     [](json& d) {
       d["linux"]["timeOffsets"] = {{"monotonic", {{"secs", 1}}}};
     },
     "linux.timeOffsets: requires a new time namespace"},
    {"timeOffsets with joined time ns",
     [](json& d) {
       d["linux"]["namespaces"].push_back({{"type", "time"}, {"path", "/proc/1/ns/time"}});
       d["linux"]["timeOffsets"] = {{"monotonic", {{"secs", 1}}}};
     },
     "linux.timeOffsets: requires a new time namespace"},
    {"timeOffsets nanosecs",
     [](json& d) {
       d["linux"]["namespaces"].push_back({{"type", "time"}});
       d["linux"]["timeOffsets"] = {{"boottime", {{"nanosecs", 1000000000}}}};
     },
     "linux.timeOffsets.boottime.nanosecs"},
    {"device type",
     [](json& d) {
       d["linux"]["devices"] = {{{"type", "x"}, {"path", "/dev/x"}}};
     },
     R"(linux.devices[0].type: unknown device type "x")"},
    {"device relative path",
     [](json& d) {
       d["linux"]["devices"] = {{{"type", "c"}, {"path", "dev/x"}, {"major", 1}, {"minor", 3}}};
     },
     "linux.devices[0].path: must be an absolute path"},
    {"device without major",
     [](json& d) {
       d["linux"]["devices"] = {{{"type", "b"}, {"path", "/dev/sda"}, {"minor", 0}}};
     },
     "linux.devices[0].major: is required"},
    {"device fileMode",
     [](json& d) {
       d["linux"]["devices"] = {{{"type", "p"}, {"path", "/dev/p"}, {"fileMode", -1}}};
     },
     "linux.devices[0].fileMode"},
    {"resources not object", [](json& d) { d["linux"]["resources"] = json::array(); },
     "linux.resources: must be an object"},
    {"device rule type",
     [](json& d) {
       d["linux"]["resources"]["devices"] = {{{"allow", true}, {"type", "p"}}};
     },
     R"(linux.resources.devices[0].type: unknown device type "p")"},
    {"device rule access",
     [](json& d) {
       d["linux"]["resources"]["devices"] = {{{"allow", true}, {"access", "rwx"}}};
     },
     R"(linux.resources.devices[0].access: "rwx" is not a combination of r, w and m)"},
    {"device rule allow",
     [](json& d) {
       d["linux"]["resources"]["devices"] = {{{"access", "r"}}};
     },
     "linux.resources.devices[0].allow: is required"},
    {"sysctl value",
     [](json& d) {
       d["linux"]["sysctl"] = {{"net.core.somaxconn", 1024}};
     },
     R"(linux.sysctl["net.core.somaxconn"]: must be a string)"},
    {"rootfsPropagation", [](json& d) { d["linux"]["rootfsPropagation"] = "bogus"; },
     R"(linux.rootfsPropagation: unknown propagation "bogus")"},
    {"maskedPaths relative",
     [](json& d) {
       d["linux"]["maskedPaths"] = {"/proc/kcore", "x"};
     },
     "linux.maskedPaths[1]: must be an absolute path"},
    {"readonlyPaths relative", [](json& d) { d["linux"]["readonlyPaths"] = {"proc"}; },
     "linux.readonlyPaths[0]: must be an absolute path"},
    {"personality domain",
     [](json& d) {
       d["linux"]["personality"] = {{"domain", "BSD"}};
     },
     R"(linux.personality.domain: unknown domain "BSD")"},
    {"seccomp not object", [](json& d) { d["linux"]["seccomp"] = "x"; },
     "linux.seccomp: must be an object"},
    {"intelRdt not object", [](json& d) { d["linux"]["intelRdt"] = 1; },
     "linux.intelRdt: must be an object"},
    {"mountLabel type", [](json& d) { d["linux"]["mountLabel"] = 1; },
     "linux.mountLabel: must be a string"},
    {"hostname type", [](json& d) { d["hostname"] = 1; }, "hostname: must be a string"},
    {"hostname without uts",
     [](json& d) {
       d["hostname"] = "h";
       d["linux"]["namespaces"].erase(2);
     },
     "hostname: requires a uts namespace"},
    {"domainname without linux",
     [](json& d) {
       d["domainname"] = "example.org";
       d.erase("linux");
     },
     "domainname: requires a uts namespace"},
    {"annotation value",
     [](json& d) {
       d["annotations"] = {{"a", 1}};
     },
     R"(annotations["a"]: must be a string)"},
    {"annotation empty key",
     [](json& d) {
       d["annotations"] = {{"", "x"}};
     },
     "annotations: keys must not be empty"},
    {"linux not object", [](json& d) { d["linux"] = "x"; }, "linux: must be an object"},
};

TEST(RuntimeSpec, BadInputsNameTheField) {
  for (const BadCase& bad : kBadCases) {
    SCOPED_TRACE(bad.name);
    json doc = MinimalConfig();
    bad.mutate(doc);
    auto c = ConfigFromJson(doc);
    ASSERT_FALSE(c);
    std::string what = c.error().What();
    EXPECT_THAT(what, StartsWith("config.json: "));
    EXPECT_THAT(what, HasSubstr(bad.want));
    EXPECT_THAT(what, Not(HasSubstr("\n")));
  }
}

TEST(RuntimeSpec, InvalidJsonIsOneLineError) {
  for (const char* text : {"", "{", "{\"ociVersion\": \n\n}", "[1,]", "{\"a\": 1e999}"}) {
    SCOPED_TRACE(text);
    auto c = ParseConfig(text);
    ASSERT_FALSE(c);
    EXPECT_THAT(c.error().What(), StartsWith("config.json: invalid JSON: "));
    EXPECT_THAT(c.error().What(), Not(HasSubstr("\n")));
  }
}

TEST(RuntimeSpec, ErrorQuotesControlCharactersOnOneLine) {
  json doc = MinimalConfig();
  doc["process"]["cwd"] = "a\nb";
  auto c = ConfigFromJson(doc);
  ASSERT_FALSE(c);
  EXPECT_THAT(c.error().What(), HasSubstr(R"(got "a\nb")"));
}

TEST(OciVersion, AcceptanceTable) {
  const std::pair<const char*, bool> table[] = {
      {"1.0.0", true},
      {"1.0.1", true},
      {"1.0.2", true},
      {"1.0.2-dev", true},
      {"1.1.0", true},
      {"1.1.0-rc.3", true},
      {"1.2.0", true},
      {"1.2.0-rc.1", true},
      {"1.2.1", true},
      {"1.2.15", true},
      {"1.0.0-rc5-dev", true},
      {"1.2.0+build.7", true},
      {"0.5.0", false},
      {"1.3.0", false},
      {"2.0.0", false},
      {"abc", false},
      {"", false},
      {"1.2", false},
      {"1", false},
      {"1.2.0-", false},
      {"1.2.0-rc..1", false},
      {"01.2.0", false},
      {"1.02.0", false},
      {"1.2.0 ", false},
      {" 1.2.0", false},
      {"1.2.x", false},
      {"1.2.0-rc_1", false},
      {"1.10.0", false},
      {"v1.2.0", false},
      {"1.2.0+", false},
  };
  for (const auto& [version, ok] : table) {
    EXPECT_EQ(IsSupportedOciVersion(version), ok) << version;
  }
}

#define NAMED(x) \
  { x, #x }

TEST(KnownNames, CapabilityIndexIsKernelNumber) {
  const std::pair<int, const char*> caps[] = {
      NAMED(CAP_CHOWN),
      NAMED(CAP_DAC_OVERRIDE),
      NAMED(CAP_DAC_READ_SEARCH),
      NAMED(CAP_FOWNER),
      NAMED(CAP_FSETID),
      NAMED(CAP_KILL),
      NAMED(CAP_SETGID),
      NAMED(CAP_SETUID),
      NAMED(CAP_SETPCAP),
      NAMED(CAP_LINUX_IMMUTABLE),
      NAMED(CAP_NET_BIND_SERVICE),
      NAMED(CAP_NET_BROADCAST),
      NAMED(CAP_NET_ADMIN),
      NAMED(CAP_NET_RAW),
      NAMED(CAP_IPC_LOCK),
      NAMED(CAP_IPC_OWNER),
      NAMED(CAP_SYS_MODULE),
      NAMED(CAP_SYS_RAWIO),
      NAMED(CAP_SYS_CHROOT),
      NAMED(CAP_SYS_PTRACE),
      NAMED(CAP_SYS_PACCT),
      NAMED(CAP_SYS_ADMIN),
      NAMED(CAP_SYS_BOOT),
      NAMED(CAP_SYS_NICE),
      NAMED(CAP_SYS_RESOURCE),
      NAMED(CAP_SYS_TIME),
      NAMED(CAP_SYS_TTY_CONFIG),
      NAMED(CAP_MKNOD),
      NAMED(CAP_LEASE),
      NAMED(CAP_AUDIT_WRITE),
      NAMED(CAP_AUDIT_CONTROL),
      NAMED(CAP_SETFCAP),
      NAMED(CAP_MAC_OVERRIDE),
      NAMED(CAP_MAC_ADMIN),
      NAMED(CAP_SYSLOG),
      NAMED(CAP_WAKE_ALARM),
      NAMED(CAP_BLOCK_SUSPEND),
      NAMED(CAP_AUDIT_READ),
      NAMED(CAP_PERFMON),
      NAMED(CAP_BPF),
      NAMED(CAP_CHECKPOINT_RESTORE),
  };
  ASSERT_EQ(KnownCapabilities().size(), static_cast<size_t>(CAP_LAST_CAP + 1));
  for (const auto& [number, name] : caps) EXPECT_EQ(KnownCapabilities()[number], name);
}

TEST(KnownNames, RlimitIndexIsKernelNumber) {
  const std::pair<int, const char*> rlimits[] = {
      NAMED(RLIMIT_CPU),      NAMED(RLIMIT_FSIZE), NAMED(RLIMIT_DATA),   NAMED(RLIMIT_STACK),
      NAMED(RLIMIT_CORE),     NAMED(RLIMIT_RSS),   NAMED(RLIMIT_NPROC),  NAMED(RLIMIT_NOFILE),
      NAMED(RLIMIT_MEMLOCK),  NAMED(RLIMIT_AS),    NAMED(RLIMIT_LOCKS),  NAMED(RLIMIT_SIGPENDING),
      NAMED(RLIMIT_MSGQUEUE), NAMED(RLIMIT_NICE),  NAMED(RLIMIT_RTPRIO), NAMED(RLIMIT_RTTIME),
  };
  ASSERT_EQ(KnownRlimits().size(), static_cast<size_t>(RLIMIT_NLIMITS));
  for (const auto& [number, name] : rlimits) EXPECT_EQ(KnownRlimits()[number], name);
}

TEST(KnownNames, NamespacesAndMountOptions) {
  EXPECT_EQ(KnownNamespaceTypes(), (std::vector<std::string>{"pid", "network", "mount", "ipc",
                                                             "uts", "user", "cgroup", "time"}));
  const auto& opts = KnownMountOptions();
  for (const char* o : {"defaults", "rbind", "rshared", "rro", "rnostrictatime", "idmap", "ridmap",
                        "tmpcopyup", "noiversion"}) {
    EXPECT_NE(std::find(opts.begin(), opts.end(), o), opts.end()) << o;
  }
  EXPECT_EQ(std::find(opts.begin(), opts.end(), "mode=755"), opts.end());
}

}  // namespace
}  // namespace berth::spec
