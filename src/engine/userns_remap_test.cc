#include "engine/userns_remap.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include <gtest/gtest.h>

#include "base/fs.h"
#include "image/shifted_copy.h"

namespace berth::engine {
namespace {

class UsernsRemapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-userns-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    files_.subuid = dir_ + "/subuid";
    files_.subgid = dir_ + "/subgid";
  }
  void TearDown() override { (void)RemoveAll(dir_); }
  std::string dir_;
  AccountFiles files_;
};

TEST(SubordinateRanges, FirstRangeOfTheUserByNameOrUid) {
  std::string text =
      "# comment\nalice:100000:65536\nbob:165536:1000\nalice:300000:5\n1001:400000:10\n";
  auto a = FirstSubordinateRange(text, "alice", 1000);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->start, 100000u);
  EXPECT_EQ(a->size, 65536u);
  auto by_uid = FirstSubordinateRange(text, "carol", 1001);
  ASSERT_TRUE(by_uid);
  EXPECT_EQ(by_uid->start, 400000u);
  auto none = FirstSubordinateRange(text, "dave", 1002);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code(), ENOENT);
  // A malformed line is skipped, not taken.
  EXPECT_FALSE(FirstSubordinateRange("eve:x:10\neve:5\n", "eve", 7));
}

TEST(SubordinateRanges, NextFreeRangeFindsTheFirstGapFrom100000) {
  EXPECT_EQ(NextFreeRange("", 65536), 100000u);
  EXPECT_EQ(NextFreeRange("a:100000:65536\n", 65536), 165536u);
  // A gap too small is skipped; one big enough is taken.
  EXPECT_EQ(NextFreeRange("a:100000:10\nb:100020:65536\n", 65536), 165556u);
  EXPECT_EQ(NextFreeRange("b:300000:10\na:100000:65536\n", 65536), 165536u);
  // Ranges below 100000 do not matter.
  EXPECT_EQ(NextFreeRange("x:1000:5000\n", 100), 100000u);
}

TEST_F(UsernsRemapTest, ResolvesUserAndGroupToTheirFirstRanges) {
  ASSERT_TRUE(WriteFileAtomic(files_.subuid, "root:200000:65536\nroot:900000:1\n"));
  ASSERT_TRUE(WriteFileAtomic(files_.subgid, "root:300000:1000\n"));
  for (const char* setting : {"root", "0", "root:root", "0:0"}) {
    auto r = ResolveUsernsRemap(setting, files_);
    ASSERT_TRUE(r) << setting << ": " << r.error().What();
    EXPECT_TRUE(r->enabled());
    EXPECT_EQ(r->user, "root");
    EXPECT_EQ(r->root_uid(), 200000u);
    EXPECT_EQ(r->root_gid(), 300000u);
    ASSERT_EQ(r->UidMappings().size(), 1u);
    EXPECT_EQ(r->UidMappings()[0].container_id, 0u);
    EXPECT_EQ(r->UidMappings()[0].host_id, 200000u);
    EXPECT_EQ(r->UidMappings()[0].size, 65536u);
    EXPECT_EQ(r->GidMappings()[0].size, 1000u);
  }
  auto off = ResolveUsernsRemap("", files_);
  ASSERT_TRUE(off);
  EXPECT_FALSE(off->enabled());
}

TEST_F(UsernsRemapTest, RefusesUnknownUsersAndMissingRangesInOneLine) {
  ASSERT_TRUE(WriteFileAtomic(files_.subuid, "root:200000:65536\n"));
  auto unknown = ResolveUsernsRemap("no-such-user-berth", files_);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().What(),
            "userns-remap \"no-such-user-berth\": user no-such-user-berth does not exist");
  auto no_gid = ResolveUsernsRemap("root", files_);  // no subgid file at all
  ASSERT_FALSE(no_gid);
  EXPECT_EQ(no_gid.error().What(),
            "userns-remap \"root\": no subordinate gid range for root in " + files_.subgid);
  EXPECT_FALSE(ResolveUsernsRemap("root:", files_));
  EXPECT_FALSE(ResolveUsernsRemap("root:a:b", files_));
  EXPECT_FALSE(ResolveUsernsRemap("root:no-such-group-berth", files_));
}

TEST_F(UsernsRemapTest, PrivilegedAndHostNamespacesNeedUsernsHost) {
  ASSERT_TRUE(WriteFileAtomic(files_.subuid, "root:200000:65536\n"));
  ASSERT_TRUE(WriteFileAtomic(files_.subgid, "root:200000:65536\n"));
  auto r = ResolveUsernsRemap("root", files_);
  ASSERT_TRUE(r);
  HostConfig hc;
  hc.security.privileged = true;
  auto st = CheckUsernsRemap(*r, hc);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), EINVAL);
  EXPECT_NE(st.error().What().find("privileged mode is incompatible with user namespaces"),
            std::string::npos);
  hc.userns_mode = "host";
  EXPECT_TRUE(CheckUsernsRemap(*r, hc));

  // The host's network and pid namespaces too, as dockerd refuses them.
  HostConfig net;
  net.network_mode.kind = NetworkMode::kHost;
  auto n = CheckUsernsRemap(*r, net);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().What(),
            "cannot share the host's network namespace when user namespaces are enabled");
  HostConfig pid;
  pid.pid_mode.kind = NamespaceMode::kHost;
  auto p = CheckUsernsRemap(*r, pid);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().What(),
            "cannot share the host PID namespace when user namespaces are enabled");
  pid.userns_mode = "host";
  EXPECT_TRUE(CheckUsernsRemap(*r, pid));
  hc.userns_mode = "";
  EXPECT_TRUE(CheckUsernsRemap(UsernsRemap{}, hc));  // remap off
}

TEST_F(UsernsRemapTest, ApplyFillsTheMapsAndOpensTheBundleToTheRemappedRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "chown needs root";
  ASSERT_TRUE(WriteFileAtomic(files_.subuid, "root:200000:65536\n"));
  ASSERT_TRUE(WriteFileAtomic(files_.subgid, "root:300000:65536\n"));
  auto r = ResolveUsernsRemap("root", files_);
  ASSERT_TRUE(r);
  ContainerSpecInput in;
  in.container_dir = dir_ + "/bundle";
  ASSERT_EQ(::mkdir(in.container_dir.c_str(), 0700), 0);
  HostConfig hc;
  ASSERT_TRUE(ApplyUsernsRemap(*r, hc, in));
  ASSERT_EQ(in.uid_mappings.size(), 1u);
  EXPECT_EQ(in.uid_mappings[0].host_id, 200000u);
  EXPECT_EQ(in.gid_mappings[0].host_id, 300000u);
  EXPECT_TRUE(in.user_ns_path.empty());
  struct stat st;
  ASSERT_EQ(::stat(in.container_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0710u);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_gid, 300000u);

  // --userns=host: nothing.
  ContainerSpecInput host;
  hc.userns_mode = "host";
  ASSERT_TRUE(ApplyUsernsRemap(*r, hc, host));
  EXPECT_TRUE(host.uid_mappings.empty());

  // Joining the namespace of a process in the host's user namespace (our
  // own): the container still gets its own user namespace.
  ContainerSpecInput joins;
  joins.container_dir = in.container_dir;
  joins.net_ns_path = "/proc/self/ns/net";
  ASSERT_TRUE(ApplyUsernsRemap(*r, HostConfig{}, joins));
  EXPECT_TRUE(joins.user_ns_path.empty());
  EXPECT_EQ(joins.uid_mappings.size(), 1u);
}

TEST_F(UsernsRemapTest, VolumeDirGoesToTheRemappedRootOnce) {
  if (::geteuid() != 0) GTEST_SKIP() << "chown needs root";
  UsernsRemap r;
  r.uids = {200000, 65536};
  r.gids = {300000, 65536};
  std::string vol = dir_ + "/vol";
  ASSERT_EQ(::mkdir(vol.c_str(), 0755), 0);
  ASSERT_TRUE(PrepareVolumeForRemap(vol, UsernsRemap{}));  // off: untouched
  struct stat st;
  ASSERT_EQ(::stat(vol.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);
  ASSERT_TRUE(PrepareVolumeForRemap(vol, r));
  ASSERT_EQ(::stat(vol.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 200000u);
  EXPECT_EQ(st.st_gid, 300000u);
  // A volume a container already made its own keeps its owner.
  ASSERT_EQ(::chown(vol.c_str(), 200005, 300005), 0);
  ASSERT_TRUE(PrepareVolumeForRemap(vol, r));
  ASSERT_EQ(::stat(vol.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 200005u);
  EXPECT_FALSE(PrepareVolumeForRemap(dir_ + "/missing", r));
}

// The spec a remapped container gets: a new user namespace with the maps
// and ping_group_range within them; or, joining another container's, that
// user namespace and no ping_group_range.
TEST_F(UsernsRemapTest, SpecHasTheUserNamespace) {
  ContainerSpecInput in;
  in.id = std::string(64, 'a');
  in.rootfs = dir_ + "/rootfs";
  in.container_dir = dir_ + "/ctr";
  in.host_resolv_conf = dir_ + "/host-resolv.conf";
  in.host_hosts = dir_ + "/host-hosts";
  ASSERT_TRUE(MkdirAll(in.rootfs + "/etc", 0755));
  ASSERT_TRUE(MkdirAll(in.container_dir, 0755));
  ASSERT_TRUE(WriteFileAtomic(in.rootfs + "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"));
  ASSERT_TRUE(WriteFileAtomic(in.rootfs + "/etc/group", "root:x:0:\n"));
  ASSERT_TRUE(WriteFileAtomic(in.host_resolv_conf, "nameserver 127.0.0.1\n"));
  ASSERT_TRUE(WriteFileAtomic(in.host_hosts, "127.0.0.1 localhost\n"));
  in.image_config = {{"Cmd", {"sh"}}, {"Env", {"PATH=/bin"}}};
  UsernsRemap r;
  r.uids = {200000, 65536};
  r.gids = {300000, 1000};
  in.uid_mappings = r.UidMappings();
  in.gid_mappings = r.GidMappings();
  auto spec = BuildContainerSpec(in);
  ASSERT_TRUE(spec) << spec.error().What();
  const spec::Linux& l = *spec->config.linux;
  auto user = std::find_if(l.namespaces.begin(), l.namespaces.end(),
                           [](const spec::Namespace& n) { return n.type == "user"; });
  ASSERT_NE(user, l.namespaces.end());
  EXPECT_EQ(user->path, "");
  ASSERT_EQ(l.uid_mappings.size(), 1u);
  EXPECT_EQ(l.uid_mappings[0].host_id, 200000u);
  EXPECT_EQ(l.gid_mappings[0].host_id, 300000u);
  EXPECT_EQ(l.sysctl.at("net.ipv4.ping_group_range"), "0 999");

  in.uid_mappings.clear();
  in.gid_mappings.clear();
  in.user_ns_path = "/proc/1/ns/user";
  auto joined = BuildContainerSpec(in);
  ASSERT_TRUE(joined) << joined.error().What();
  const spec::Linux& jl = *joined->config.linux;
  user = std::find_if(jl.namespaces.begin(), jl.namespaces.end(),
                      [](const spec::Namespace& n) { return n.type == "user"; });
  ASSERT_NE(user, jl.namespaces.end());
  EXPECT_EQ(user->path, "/proc/1/ns/user");
  EXPECT_TRUE(jl.uid_mappings.empty());
  EXPECT_EQ(jl.sysctl.count("net.ipv4.ping_group_range"), 0u);
}

TEST(ShiftId, MapsInsideTheRangesOnly) {
  std::vector<spec::IdMapping> maps = {{.container_id = 0, .host_id = 100000, .size = 10}};
  EXPECT_EQ(image::ShiftId(maps, 0), 100000u);
  EXPECT_EQ(image::ShiftId(maps, 9), 100009u);
  EXPECT_EQ(image::ShiftId(maps, 10), 10u);
  EXPECT_EQ(image::UnshiftId(maps, 100009), 9u);
  EXPECT_EQ(image::UnshiftId(maps, 100010), 100010u);
  EXPECT_EQ(image::UnshiftId(maps, 5), 5u);
}

}  // namespace
}  // namespace berth::engine
