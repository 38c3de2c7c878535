#include "cli/client/run_flags_resources.h"

#include <gtest/gtest.h>

namespace berth::cli {
namespace {

using nlohmann::json;

TEST(RunFlagsResources, ParsesGoUnitsSizes) {
  EXPECT_EQ(*ParseRamBytes("32m"), 32 << 20);
  EXPECT_EQ(*ParseRamBytes("1g"), int64_t{1} << 30);
  EXPECT_EQ(*ParseRamBytes("1.5GiB"), int64_t{3} << 29);
  EXPECT_EQ(*ParseRamBytes("1mb"), 1 << 20);
  EXPECT_EQ(*ParseRamBytes("1024"), 1024);
  EXPECT_FALSE(ParseRamBytes("lots"));
  EXPECT_FALSE(ParseRamBytes("-1"));
  EXPECT_FALSE(ParseRamBytes("5x"));
  EXPECT_EQ(*ParseNanoCpus("1.5"), 1500000000);
  EXPECT_EQ(*ParseNanoCpus("0.01"), 10000000);
  EXPECT_FALSE(ParseNanoCpus("one"));
}

TEST(RunFlagsResources, BuildsDockersBody) {
  ResourceFlags f;
  f.memory = "32m";
  f.cpus = "0.5";
  f.pids_limit = 50;
  f.ulimits = {"nofile=1024:2048", "nproc=10"};
  f.device_read_bps = {"/dev/vda:1mb"};
  f.device_write_iops = {"/dev/vda:100"};
  f.shm_size = "1m";
  json config = json::object(), host = json::object();
  ASSERT_TRUE(AddResourceBody(f, &config, &host));
  EXPECT_EQ(host["Memory"], 32 << 20);
  EXPECT_EQ(host["NanoCpus"], 500000000);
  EXPECT_EQ(host["PidsLimit"], 50);
  EXPECT_EQ(host["ShmSize"], 1 << 20);
  EXPECT_EQ(host["Ulimits"][0], (json{{"Name", "nofile"}, {"Soft", 1024}, {"Hard", 2048}}));
  EXPECT_EQ(host["Ulimits"][1], (json{{"Name", "nproc"}, {"Soft", 10}, {"Hard", 10}}));
  EXPECT_EQ(host["BlkioDeviceReadBps"][0], (json{{"Path", "/dev/vda"}, {"Rate", 1 << 20}}));
  EXPECT_EQ(host["BlkioDeviceWriteIOps"][0], (json{{"Path", "/dev/vda"}, {"Rate", 100}}));
  ResourceFlags none;
  json h2 = json::object();
  ASSERT_TRUE(AddResourceBody(none, &config, &h2));
  EXPECT_FALSE(h2.contains("PidsLimit"));
  EXPECT_EQ(h2["Memory"], 0);
}

TEST(RunFlagsResources, RefusesWithDockersMessages) {
  auto err = [](ResourceFlags f) {
    json c, h;
    auto s = AddResourceBody(f, &c, &h);
    EXPECT_FALSE(s);
    return s ? "" : s.error().What();
  };
  ResourceFlags u;
  u.ulimits = {"foo=1"};
  EXPECT_EQ(err(u), "invalid argument \"foo=1\" for \"--ulimit\" flag: invalid ulimit type: foo");
  ResourceFlags d;
  d.device_read_bps = {"sda:1mb"};
  EXPECT_EQ(err(d),
            "invalid argument \"sda:1mb\" for \"--device-read-bps\" flag: bad format for device "
            "path: sda:1mb");
  ResourceFlags m;
  m.memory = "lots";
  EXPECT_EQ(err(m), "invalid argument \"lots\" for \"--memory\" flag: invalid size: 'lots'");
}

}  // namespace
}  // namespace berth::cli
