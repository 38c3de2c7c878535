#include "engine/host_storage.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include <gtest/gtest.h>

namespace berth::engine {
namespace {

using nlohmann::json;

std::string ErrorOf(const json& host_config) {
  auto r = ParseStorage(host_config);
  EXPECT_FALSE(r.has_value()) << host_config.dump();
  return r ? "" : r.error().message();
}

TEST(HostStorage, ParsesBindsOfEachKind) {
  auto bind = ParseBind("/tmp:/data:ro,rshared");
  ASSERT_TRUE(bind) << bind.error().What();
  EXPECT_EQ(bind->type, "bind");
  EXPECT_EQ(bind->source, "/tmp");
  EXPECT_EQ(bind->destination, "/data");
  EXPECT_TRUE(bind->read_only);
  EXPECT_EQ(bind->propagation, "rshared");
  EXPECT_TRUE(bind->create_source);

  auto named = ParseBind("cache:/var/cache/:nocopy");
  ASSERT_TRUE(named) << named.error().What();
  EXPECT_EQ(named->type, "volume");
  EXPECT_EQ(named->source, "cache");
  EXPECT_EQ(named->destination, "/var/cache");
  EXPECT_TRUE(named->no_copy);
  EXPECT_FALSE(named->read_only);

  auto anon = ParseBind("/scratch");
  ASSERT_TRUE(anon);
  EXPECT_TRUE(anon->anonymous);
  EXPECT_EQ(anon->type, "volume");
  EXPECT_EQ(ParseBind("/scratch:ro")->read_only, true);
  EXPECT_EQ(ParseBind("v1:/x")->mode, "z");  // docker shows a named volume's mode so
}

TEST(HostStorage, RefusesBadBindsWithDockersMessages) {
  EXPECT_EQ(ErrorOf({{"Binds", {"/tmp:rel"}}}),
            "invalid volume specification: '/tmp:rel': invalid mount config for type \"bind\": "
            "invalid mount path: 'rel' mount path must be absolute");
  EXPECT_EQ(ErrorOf({{"Binds", {"foo/bar:/x"}}}),
            "create foo/bar: \"foo/bar\" includes invalid characters for a local volume name, "
            "only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host "
            "directory, use absolute path");
  EXPECT_EQ(ErrorOf({{"Binds", {"/tmp:/x:bogus"}}}), "invalid mode: bogus");
  EXPECT_EQ(ErrorOf({{"Binds", {"/tmp:/x", "v1:/x/"}}}), "Duplicate mount point: /x");
  EXPECT_EQ(ErrorOf({{"Binds", {"a:b:c:d"}}}), "invalid volume specification: 'a:b:c:d'");
}

TEST(HostStorage, ChecksBindSourcesOnTheHost) {
  char dir[] = "/tmp/berth-storage-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  std::string d = dir;
  // --mount: the source must exist; -v: it may be missing (made at start).
  EXPECT_EQ(
      ErrorOf({{"Mounts", {{{"Type", "bind"}, {"Source", d + "/no"}, {"Target", "/x"}}}}}),
      "invalid mount config for type \"bind\": bind source path does not exist: " + d + "/no");
  EXPECT_TRUE(ParseStorage({{"Binds", {d + "/no:/x"}}}));
  // A symlink to nowhere: docker's mkdir -p fails on it.
  ASSERT_EQ(::symlink("/nonexistent/berth-target", (d + "/dangling").c_str()), 0);
  EXPECT_EQ(ErrorOf({{"Binds", {d + "/dangling:/x"}}}), "error while creating mount source path '" +
                                                            d + "/dangling': mkdir " + d +
                                                            "/dangling: file exists");
  // The stored form does not look at the host.
  EXPECT_TRUE(ParseStoredStorage({{"Binds", {d + "/dangling:/x"}}}));
  ::unlink((d + "/dangling").c_str());
  ::rmdir(dir);
}

TEST(HostStorage, ParsesMountsAndTmpfs) {
  json hc = {{"Mounts",
              {{{"Type", "tmpfs"},
                {"Target", "/run"},
                {"TmpfsOptions", {{"SizeBytes", 1048576}, {"Mode", 0700}}}},
               {{"Type", "volume"},
                {"Source", "data"},
                {"Target", "/data"},
                {"ReadOnly", true},
                {"VolumeOptions", {{"NoCopy", true}, {"Labels", {{"a", "b"}}}}}}}},
             {"Tmpfs", {{"/scratch", "size=64m,mode=1777"}}}};
  auto s = ParseStorage(hc);
  ASSERT_TRUE(s) << s.error().What();
  ASSERT_EQ(s->points.size(), 3u);
  EXPECT_EQ(s->points[0].tmpfs_size, 1048576);
  EXPECT_EQ(s->points[0].tmpfs_mode, 0700u);
  EXPECT_TRUE(s->points[1].read_only && s->points[1].no_copy);
  EXPECT_EQ(s->points[1].volume_labels.at("a"), "b");
  EXPECT_EQ(s->points[2].tmpfs_size, 64 << 20);
  EXPECT_EQ(s->points[2].tmpfs_mode, 01777u);
  json back = json::object();
  StorageToJson(*s, &back);
  EXPECT_EQ(back["Mounts"], hc["Mounts"]);
  EXPECT_EQ(back["Tmpfs"]["/scratch"], "size=64m,mode=1777");

  EXPECT_EQ(ErrorOf({{"Mounts", {{{"Type", "tmpfs"}, {"Target", "rel"}}}}}),
            "invalid mount config for type \"tmpfs\": invalid mount path: 'rel' mount path must "
            "be absolute");
  EXPECT_EQ(ErrorOf({{"Mounts", {{{"Type", "volume"}, {"Source", "a/b"}, {"Target", "/x"}}}}})
                .substr(0, 9),
            "create a/");
  EXPECT_EQ(ErrorOf({{"Tmpfs", {{"/x", "size=lots"}}}}),
            "invalid tmpfs option \"size=lots\": invalid size: 'lots'");
}

TEST(HostStorage, AnonymousVolumesForConfigAndImageVolumes) {
  auto s = ParseStorage({{"Binds", {"/tmp:/a"}}});
  ASSERT_TRUE(s);
  std::string id(64, 'c');
  auto points = OwnMountPoints(id, *s, {"/b"},
                               {{"Volumes", {{"/a", json::object()}, {"/c/", json::object()}}}});
  ASSERT_EQ(points.size(), 3u);  // /a is the bind's; /b and /c get volumes
  EXPECT_EQ(points[1].destination, "/b");
  EXPECT_EQ(points[2].destination, "/c");
  EXPECT_TRUE(points[1].anonymous);
  EXPECT_EQ(points[1].source.size(), 64u);
  EXPECT_EQ(points[1].source, AnonymousVolumeName(id, "/b"));
  EXPECT_NE(points[1].source, points[2].source);
  EXPECT_NE(AnonymousVolumeName(std::string(64, 'd'), "/b"), points[1].source);
  json j = MountPointJson(points[1], "/var/lib/berth/volumes");
  EXPECT_EQ(j["Source"], "/var/lib/berth/volumes/" + points[1].source + "/_data");
  EXPECT_EQ(j["Driver"], "local");
  EXPECT_EQ(j["RW"], true);
}

TEST(HostStorage, VolumesFromModes) {
  EXPECT_EQ(ParseVolumesFrom("web:ro")->read_only, true);
  EXPECT_EQ(ParseVolumesFrom("web")->read_only, std::nullopt);
  EXPECT_FALSE(ParseVolumesFrom("web:bogus"));
  EXPECT_FALSE(ParseVolumesFrom(""));
}

}  // namespace
}  // namespace berth::engine
