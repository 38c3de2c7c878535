#include "cli/client/run_flags_security.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include "base/fs.h"

namespace berth::cli {
namespace {

using nlohmann::json;
using V = std::vector<std::string>;

TEST(SecurityFlags, CapabilitiesAsDockersCliSendsThem) {
  V add, drop;
  EffectiveCapAddCapDrop({"sys_admin", "CAP_NET_ADMIN", "sys_admin"}, {"net_admin", "kill"}, &add,
                         &drop);
  EXPECT_EQ(add, (V{"CAP_NET_ADMIN", "CAP_SYS_ADMIN"}));
  EXPECT_EQ(drop, V{"CAP_KILL"});
  EffectiveCapAddCapDrop({"all", "chown"}, {"ALL", "kill"}, &add, &drop);
  EXPECT_EQ(add, V{"ALL"});
  EXPECT_EQ(drop, V{});  // ALL added wins over ALL dropped
}

TEST(SecurityFlags, DeviceForms) {
  EXPECT_EQ(ParseDeviceFlag("/dev/loop0").value(), (json{{"PathOnHost", "/dev/loop0"},
                                                         {"PathInContainer", "/dev/loop0"},
                                                         {"CgroupPermissions", "rwm"}}));
  EXPECT_EQ(ParseDeviceFlag("/dev/loop0:r").value()["CgroupPermissions"], "r");
  EXPECT_EQ(ParseDeviceFlag("/dev/loop0:/dev/x").value()["PathInContainer"], "/dev/x");
  EXPECT_EQ(ParseDeviceFlag("/dev/loop0:/dev/x/../y:rw").value()["PathInContainer"], "/dev/y");
  EXPECT_FALSE(ParseDeviceFlag("/dev/loop0:/dev/x:rwx"));
  EXPECT_FALSE(ParseDeviceFlag("/dev/loop0:rel"));
  EXPECT_FALSE(ParseDeviceFlag("a:b:c:d"));
}

TEST(SecurityFlags, BodyAndSeccompFileReadClientSide) {
  char tmpl[] = "/tmp/berth-secflags-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  ASSERT_TRUE(WriteFileAtomic(dir + "/p.json", "{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\"\n}\n"));
  ASSERT_TRUE(WriteFileAtomic(dir + "/bad.json", "{ nope"));
  SecurityFlags f;
  f.privileged = true;
  f.read_only = true;
  f.security_opt = {"no-new-privileges", "seccomp=" + dir + "/p.json"};
  f.sysctls = {"net.ipv4.ip_forward=1"};
  f.group_add = {"audio"};
  json config = json::object(), host = json::object();
  ASSERT_TRUE(AddSecurityBody(f, &config, &host));
  EXPECT_EQ(host["Privileged"], true);
  EXPECT_EQ(host["ReadonlyRootfs"], true);
  EXPECT_EQ(host["SecurityOpt"],
            (json{"no-new-privileges", R"(seccomp={"defaultAction":"SCMP_ACT_ALLOW"})"}));
  EXPECT_EQ(host["Sysctls"], (json{{"net.ipv4.ip_forward", "1"}}));
  EXPECT_EQ(host["GroupAdd"], json{"audio"});
  EXPECT_TRUE(host["CapAdd"].is_null());

  f.security_opt = {"seccomp=" + dir + "/bad.json"};
  auto bad = AddSecurityBody(f, &config, &host);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().What().find("compacting json for seccomp profile"), std::string::npos);
  f.security_opt = {"seccomp=" + dir + "/missing.json"};
  bad = AddSecurityBody(f, &config, &host);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().What().find("opening seccomp profile"), std::string::npos);
  f.security_opt = {"systempaths=unconfined"};
  ASSERT_TRUE(AddSecurityBody(f, &config, &host));
  EXPECT_EQ(host["MaskedPaths"], json::array());
  f.security_opt = {};
  f.sysctls = {"novalue"};
  EXPECT_FALSE(AddSecurityBody(f, &config, &host));
  (void)RemoveAll(dir);
}

}  // namespace
}  // namespace berth::cli
