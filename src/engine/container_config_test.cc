#include "engine/container_config.h"

#include <signal.h>

#include <gtest/gtest.h>

namespace berth::engine {
namespace {

std::string ErrorOf(std::string_view body) {
  auto r = ParseCreateRequest(body);
  EXPECT_FALSE(r.has_value()) << body;
  return r ? "" : r.error().What();
}

TEST(ContainerConfig, ReadsDockersFields) {
  auto r = ParseCreateRequest(R"({"Hostname": "h", "Domainname": "d", "User": "bob:staff",
    "Env": ["A=1", "B"], "Cmd": ["sh", "-c", "x"], "Entrypoint": "/init", "WorkingDir": "/w",
    "Labels": {"k": "v"}, "StopSignal": "SIGINT", "StopTimeout": 3, "Tty": true,
    "OpenStdin": true, "StdinOnce": true, "AttachStdin": true, "AttachStdout": true,
    "AttachStderr": true, "Image": "busybox", "Unknown": 1,
    "HostConfig": {"AutoRemove": true, "Init": true, "NetworkMode": "host",
      "PidMode": "container:web", "IpcMode": "shareable", "UTSMode": "",
      "LogConfig": {"Type": "json-file", "Config": {"max-size": "10m", "max-file": "3"}}}})");
  ASSERT_TRUE(r) << r.error().What();
  const ContainerConfig& c = r->config;
  EXPECT_EQ(c.hostname, "h");
  EXPECT_EQ(c.domainname, "d");
  EXPECT_EQ(c.user, "bob:staff");
  EXPECT_EQ(c.env, (std::vector<std::string>{"A=1", "B"}));
  EXPECT_EQ(*c.cmd, (std::vector<std::string>{"sh", "-c", "x"}));
  EXPECT_EQ(*c.entrypoint, std::vector<std::string>{"/init"});  // a string is a 1-list
  EXPECT_EQ(c.working_dir, "/w");
  EXPECT_EQ(c.labels.at("k"), "v");
  EXPECT_EQ(c.stop_signal, "SIGINT");
  EXPECT_EQ(c.stop_timeout, 3);
  EXPECT_TRUE(c.tty && c.open_stdin && c.stdin_once && c.attach_stdin && c.attach_stdout &&
              c.attach_stderr);
  EXPECT_EQ(c.image, "busybox");
  const HostConfig& h = r->host_config;
  EXPECT_TRUE(h.auto_remove);
  EXPECT_EQ(h.init, true);
  EXPECT_EQ(h.network_mode.kind, NetworkMode::kHost);
  EXPECT_EQ(h.pid_mode.kind, NamespaceMode::kContainer);
  EXPECT_EQ(h.pid_mode.container, "web");
  EXPECT_EQ(h.ipc_mode.kind, NamespaceMode::kPrivate);
  EXPECT_EQ(h.uts_mode.kind, NamespaceMode::kPrivate);
  EXPECT_EQ(h.log_config.max_size, 10 << 20);
  EXPECT_EQ(h.log_config.max_file, 3);
}

TEST(ContainerConfig, DefaultsWhenAbsent) {
  auto r = ParseCreateRequest(R"({"Image": "busybox"})");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->config.cmd.has_value());
  EXPECT_FALSE(r->config.entrypoint.has_value());
  EXPECT_EQ(r->host_config.log_config.type, "json-file");
  EXPECT_EQ(r->host_config.log_config.max_size, -1);
  EXPECT_EQ(r->host_config.network_mode.kind, NetworkMode::kBridge);
  EXPECT_FALSE(r->host_config.init.has_value());
}

TEST(ContainerConfig, EmptyEntrypointIsKeptApartFromAbsent) {
  auto r = ParseCreateRequest(R"({"Image": "x", "Entrypoint": []})");
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->config.entrypoint.has_value());
  EXPECT_TRUE(r->config.entrypoint->empty());
}

TEST(ContainerConfig, ErrorsNameTheFieldOnOneLine) {
  EXPECT_EQ(ErrorOf("{"), "invalid JSON in the request body");
  EXPECT_EQ(ErrorOf("[]"), "the request body must be a JSON object");
  EXPECT_EQ(ErrorOf(R"({"Env": "A=1"})"), "Config.Env: must be an array of strings");
  EXPECT_NE(ErrorOf(R"({"Env": ["A=1", 2]})").find("Config.Env[1]"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"Env": ["=x"]})").find("invalid environment variable: =x"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"Cmd": 5})").find("Config.Cmd: must be a string or an array"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"Tty": "yes"})").find("Config.Tty"), std::string::npos);
  EXPECT_EQ(ErrorOf(R"({"WorkingDir": "rel"})"),
            "the working directory 'rel' is invalid, it needs to be an absolute path");
  EXPECT_EQ(ErrorOf(R"({"StopSignal": "SIGNOPE"})"), "Invalid signal: SIGNOPE");
  EXPECT_NE(ErrorOf(R"({"HostConfig": []})").find("HostConfig: must be an object"),
            std::string::npos);
  // Privileged is supported (engine/host_security): no refusal.
  EXPECT_TRUE(ParseCreateRequest(R"({"HostConfig": {"Privileged": true}})").has_value());
  EXPECT_EQ(ErrorOf(R"({"HostConfig": {"NetworkMode": "mynet"}})"), "network mynet not found");
  EXPECT_EQ(ErrorOf(R"({"HostConfig": {"PidMode": "weird"}})"), "invalid PID mode: weird");
  EXPECT_EQ(ErrorOf(R"({"HostConfig": {"IpcMode": "container:"}})"),
            "invalid IPC mode: container:");
  EXPECT_EQ(ErrorOf(R"({"HostConfig": {"LogConfig": {"Type": "syslog"}}})"),
            "logger: no log driver named 'syslog' is registered");
  EXPECT_EQ(ErrorOf(R"({"HostConfig": {"LogConfig": {"Config": {"compress": "true"}}}})"),
            "unknown log opt 'compress' for json-file log driver");
  EXPECT_EQ(ErrorOf(R"({"HostConfig": {"LogConfig": {"Config": {"max-size": "ten"}}}})"),
            "invalid size: 'ten'");
  EXPECT_EQ(
      ErrorOf(R"({"HostConfig": {"LogConfig": {"Config": {"max-size": "1m", "max-file": "0"}}}})"),
      "max-file cannot be less than 1");
  EXPECT_EQ(
      ErrorOf(R"({"HostConfig": {"LogConfig": {"Type": "none", "Config": {"max-size": "1m"}}}})"),
      "unknown log opt 'max-size' for none log driver");
}

TEST(ContainerConfig, HostnameNeedsAUtsNamespaceOfItsOwn) {
  EXPECT_EQ(ErrorOf(R"({"Hostname": "h", "HostConfig": {"UTSMode": "host"}})"),
            "conflicting options: hostname and the UTS mode");
  EXPECT_EQ(ErrorOf(R"({"Hostname": "h", "HostConfig": {"NetworkMode": "container:x"}})"),
            "conflicting options: hostname and the network mode");
  EXPECT_TRUE(ParseCreateRequest(R"({"Hostname": "h", "HostConfig": {"NetworkMode": "host"}})"));
  auto uts = ParseCreateRequest(R"({"HostConfig": {"UTSMode": "host"}})");
  ASSERT_TRUE(uts);
  EXPECT_EQ(uts->host_config.uts_mode.kind, NamespaceMode::kHost);
}

TEST(ContainerConfig, RoundTripsThroughItsStoredForm) {
  auto r = ParseCreateRequest(R"({"Image": "x", "Cmd": ["a"], "Entrypoint": [], "Tty": true,
    "HostConfig": {"NetworkMode": "container:db", "LogConfig": {"Config": {"max-size": "1k"}}}})");
  ASSERT_TRUE(r);
  auto c = ParseContainerConfig(ToJson(r->config));
  auto h = ParseHostConfig(ToJson(r->host_config));
  ASSERT_TRUE(c) << c.error().What();
  ASSERT_TRUE(h) << h.error().What();
  EXPECT_EQ(c->cmd, r->config.cmd);
  EXPECT_EQ(c->entrypoint, r->config.entrypoint);
  EXPECT_TRUE(c->tty);
  EXPECT_EQ(h->network_mode.kind, NetworkMode::kContainer);
  EXPECT_EQ(h->network_mode.container, "db");
  EXPECT_EQ(h->log_config.max_size, 1024);
}

TEST(ContainerConfig, SignalsAsDockerSpellsThem) {
  EXPECT_EQ(ParseSignal("SIGTERM").value(), SIGTERM);
  EXPECT_EQ(ParseSignal("term").value(), SIGTERM);
  EXPECT_EQ(ParseSignal("9").value(), SIGKILL);
  EXPECT_EQ(ParseSignal("SIGRTMIN+3").value(), SIGRTMIN + 3);
  EXPECT_FALSE(ParseSignal("0"));
  EXPECT_FALSE(ParseSignal("SIGRTMIN+99"));
  EXPECT_FALSE(ParseSignal(""));
}

TEST(ContainerConfig, SizesAsGoUnitsReadsThem) {
  EXPECT_EQ(ParseSize("100").value(), 100);
  EXPECT_EQ(ParseSize("1k").value(), 1024);
  EXPECT_EQ(ParseSize("10M").value(), 10 << 20);
  EXPECT_EQ(ParseSize("1.5kb").value(), 1536);
  EXPECT_EQ(ParseSize("2g").value(), int64_t{2} << 30);
  EXPECT_FALSE(ParseSize("k"));
  EXPECT_FALSE(ParseSize("1x"));
  EXPECT_FALSE(ParseSize("-1"));
}

}  // namespace
}  // namespace berth::engine
