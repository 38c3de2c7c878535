#include "cli/client/run_flags_lifecycle.h"

#include <gtest/gtest.h>

namespace berth::cli {
namespace {

using nlohmann::json;

TEST(LifecycleFlagsTest, GoDurations) {
  EXPECT_EQ(*ParseGoDuration("200ms"), 200'000'000);
  EXPECT_EQ(*ParseGoDuration("1m30s"), 90'000'000'000);
  EXPECT_EQ(*ParseGoDuration("1.5s"), 1'500'000'000);
  EXPECT_EQ(*ParseGoDuration("0"), 0);
  EXPECT_EQ(*ParseGoDuration("-2s"), -2'000'000'000);
  EXPECT_FALSE(ParseGoDuration("5"));
  EXPECT_FALSE(ParseGoDuration("abc"));
  EXPECT_FALSE(ParseGoDuration("3x"));
}

TEST(LifecycleFlagsTest, RestartPolicyAsDockersCli) {
  LifecycleFlags f;
  json config = json::object(), host = {{"AutoRemove", false}};
  f.restart = "on-failure:3";
  ASSERT_TRUE(AddLifecycleBody(f, &config, &host));
  EXPECT_EQ(host["RestartPolicy"], json({{"Name", "on-failure"}, {"MaximumRetryCount", 3}}));
  f.restart = "always";
  ASSERT_TRUE(AddLifecycleBody(f, &config, &host));
  EXPECT_EQ(host["RestartPolicy"]["Name"], "always");
  f.restart = "on-failure:x";
  EXPECT_EQ(AddLifecycleBody(f, &config, &host).error().message(),
            "maximum retry count must be an integer");
  f.restart = "always";
  host["AutoRemove"] = true;
  EXPECT_EQ(AddLifecycleBody(f, &config, &host).error().message(),
            "conflicting options: cannot specify both --restart and --rm");
  f.restart = "no";
  EXPECT_TRUE(AddLifecycleBody(f, &config, &host));
}

TEST(LifecycleFlagsTest, Healthcheck) {
  LifecycleFlags f;
  json config = json::object(), host = json::object();
  ASSERT_TRUE(AddLifecycleBody(f, &config, &host));
  EXPECT_FALSE(config.contains("Healthcheck"));
  f.health_cmd = "test -f /ok";
  f.health_interval = "200ms";
  f.health_retries = 2;
  ASSERT_TRUE(AddLifecycleBody(f, &config, &host));
  EXPECT_EQ(config["Healthcheck"]["Test"], json({"CMD-SHELL", "test -f /ok"}));
  EXPECT_EQ(config["Healthcheck"]["Interval"], 200'000'000);
  EXPECT_EQ(config["Healthcheck"]["Retries"], 2);
  f.no_healthcheck = true;
  EXPECT_EQ(AddLifecycleBody(f, &config, &host).error().message(),
            "--no-healthcheck conflicts with --health-* options");
  LifecycleFlags none;
  none.no_healthcheck = true;
  json c2 = json::object();
  ASSERT_TRUE(AddLifecycleBody(none, &c2, &host));
  EXPECT_EQ(c2["Healthcheck"]["Test"], json({"NONE"}));
  LifecycleFlags neg;
  neg.health_timeout = "-1s";
  EXPECT_EQ(AddLifecycleBody(neg, &c2, &host).error().message(),
            "--health-timeout cannot be negative");
}

}  // namespace
}  // namespace berth::cli
