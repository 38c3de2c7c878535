#include "engine/daemon_config.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include "base/fs.h"

namespace berth::engine {
namespace {

std::string WriteTemp(const std::string& text) {
  char tmpl[] = "/tmp/berth-daemonjson-XXXXXX";
  int fd = ::mkstemp(tmpl);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::close(fd);
  return tmpl;
}

TEST(DaemonConfig, ReadsDockersKeys) {
  std::string p = WriteTemp(R"({"data-root": "/srv/berth", "insecure-registries": ["reg:5000"],
    "registry-mirrors": ["https://m.example"], "max-concurrent-downloads": 5, "debug": true})");
  DaemonConfig c;
  ASSERT_TRUE(LoadDaemonConfigFile(p, c));
  EXPECT_EQ(c.data_root, "/srv/berth");
  EXPECT_EQ(c.exec_root, "/run/berth");
  EXPECT_EQ(c.insecure_registries, std::vector<std::string>{"reg:5000"});
  EXPECT_EQ(c.registry_mirrors, std::vector<std::string>{"https://m.example"});
  EXPECT_EQ(c.max_concurrent_downloads, 5);
  EXPECT_TRUE(c.debug);
  ::unlink(p.c_str());
}

TEST(DaemonConfig, ReadsUsernsRemap) {
  std::string p = WriteTemp(R"({"userns-remap": "default"})");
  DaemonConfig c;
  ASSERT_TRUE(LoadDaemonConfigFile(p, c));
  EXPECT_EQ(c.userns_remap, "default");
  ::unlink(p.c_str());
  p = WriteTemp(R"({"userns-remap": 1000})");
  auto st = LoadDaemonConfigFile(p, c);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().What(), "config file " + p + ": \"userns-remap\" must be a string");
  ::unlink(p.c_str());
}

TEST(DaemonConfig, RefusesUnknownKeysAndBadValuesByName) {
  DaemonConfig c;
  std::string p = WriteTemp(R"({"data-rot": "/x"})");
  auto st = LoadDaemonConfigFile(p, c);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().What(), "config file " + p + ": unknown key \"data-rot\"");
  ::unlink(p.c_str());
  p = WriteTemp(R"({"max-concurrent-downloads": 0})");
  st = LoadDaemonConfigFile(p, c);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().What().find("max-concurrent-downloads"), std::string::npos);
  ::unlink(p.c_str());
  p = WriteTemp("{not json");
  EXPECT_FALSE(LoadDaemonConfigFile(p, c));
  ::unlink(p.c_str());
  EXPECT_EQ(c.data_root, "/var/lib/berth");
}

TEST(DaemonConfig, HostsTakeOneUnixSocketAndRefuseTcpWithoutTls) {
  DaemonConfig c;
  std::string p = WriteTemp(R"({"hosts": ["unix:///run/x/berth.sock"]})");
  ASSERT_TRUE(LoadDaemonConfigFile(p, c));
  EXPECT_EQ(c.socket_path, "/run/x/berth.sock");
  ::unlink(p.c_str());
  p = WriteTemp(R"({"hosts": ["tcp://0.0.0.0:2375"]})");
  auto st = LoadDaemonConfigFile(p, c);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().What(),
            "config file " + p +
                ": \"hosts\" tcp://0.0.0.0:2375: listening on TCP needs mutual TLS (--tlsverify "
                "--tlscacert --tlscert --tlskey), which berthd does not serve yet; use a unix:// "
                "socket");
  ::unlink(p.c_str());
  p = WriteTemp(R"({"hosts": ["unix:///a", "unix:///b"]})");
  EXPECT_FALSE(LoadDaemonConfigFile(p, c));
  ::unlink(p.c_str());
  EXPECT_FALSE(SetListenAddress(c, "fd://", "--host"));
  EXPECT_FALSE(SetListenAddress(c, "unix://", "--host"));
  EXPECT_EQ(c.socket_path, "/run/x/berth.sock");
}

}  // namespace
}  // namespace berth::engine
