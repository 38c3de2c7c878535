#include "cli/client/run_flags_storage.h"

#include <gtest/gtest.h>

namespace berth::cli {
namespace {

using nlohmann::json;

TEST(RunFlagsStorage, BodyAsDockersCliSendsIt) {
  StorageFlags f;
  f.volumes = {"/anon", "/tmp:/b:ro", "named:/c"};
  f.tmpfs = {"/run:size=64m,mode=1777", "/t"};
  f.volumes_from = {"other:ro"};
  f.mounts = {"type=bind,src=/tmp,dst=/d,readonly,bind-propagation=rshared"};
  json config = json::object(), host = json::object();
  ASSERT_TRUE(AddStorageBody(f, &config, &host));
  EXPECT_EQ(config["Volumes"], (json{{"/anon", json::object()}}));
  EXPECT_EQ(host["Binds"], (json{"/tmp:/b:ro", "named:/c"}));
  EXPECT_EQ(host["Tmpfs"], (json{{"/run", "size=64m,mode=1777"}, {"/t", ""}}));
  EXPECT_EQ(host["VolumesFrom"], json{"other:ro"});
  EXPECT_EQ(host["Mounts"][0], (json{{"Type", "bind"},
                                     {"Source", "/tmp"},
                                     {"Target", "/d"},
                                     {"ReadOnly", true},
                                     {"BindOptions", {{"Propagation", "rshared"}}}}));
}

TEST(RunFlagsStorage, MountFlagKeys) {
  auto v =
      ParseMountFlag("source=data,target=/x,volume-nocopy,volume-label=a=b,volume-opt=type=tmpfs");
  ASSERT_TRUE(v) << v.error().What();
  EXPECT_EQ((*v)["Type"], "volume");
  EXPECT_EQ((*v)["VolumeOptions"]["NoCopy"], true);
  EXPECT_EQ((*v)["VolumeOptions"]["Labels"]["a"], "b");
  EXPECT_EQ((*v)["VolumeOptions"]["DriverConfig"]["Options"]["type"], "tmpfs");
  auto t = ParseMountFlag("type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=700");
  ASSERT_TRUE(t);
  EXPECT_EQ((*t)["TmpfsOptions"]["SizeBytes"], 1 << 20);
  EXPECT_EQ((*t)["TmpfsOptions"]["Mode"], 0700);
  EXPECT_FALSE(ParseMountFlag("type=bind,source=/tmp"));  // no target
  EXPECT_FALSE(ParseMountFlag("type=tmpfs,target=/t,bind-propagation=shared"));
  EXPECT_FALSE(ParseMountFlag("type=volume,target=/t,bogus=1"));
}

}  // namespace
}  // namespace berth::cli
