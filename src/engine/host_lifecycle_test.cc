#include "engine/host_lifecycle.h"

#include <gtest/gtest.h>

namespace berth::engine {
namespace {

using nlohmann::json;

std::string RestartError(const json& host_config) {
  auto r = ParseRestartPolicy(host_config);
  return r ? "" : r.error().message();
}

TEST(RestartPolicyTest, AcceptsDockersPolicies) {
  for (const char* name : {"", "no", "always", "unless-stopped", "on-failure"}) {
    auto r = ParseRestartPolicy({{"RestartPolicy", {{"Name", name}, {"MaximumRetryCount", 0}}}});
    ASSERT_TRUE(r) << name;
    EXPECT_EQ(r->name, name);
  }
  auto r =
      ParseRestartPolicy({{"RestartPolicy", {{"Name", "on-failure"}, {"MaximumRetryCount", 2}}}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->maximum_retry_count, 2);
  EXPECT_FALSE(r->IsNone());
  auto none = ParseRestartPolicy(json::object());
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->IsNone());
}

TEST(RestartPolicyTest, RefusesAsDockerd) {
  EXPECT_EQ(RestartError({{"RestartPolicy", {{"Name", "always"}, {"MaximumRetryCount", 3}}}}),
            "maximum retry count cannot be used with restart policy 'always'");
  EXPECT_EQ(RestartError({{"RestartPolicy", {{"Name", "on-failure"}, {"MaximumRetryCount", -1}}}}),
            "maximum retry count cannot be negative");
  EXPECT_EQ(RestartError({{"RestartPolicy", {{"Name", "sometimes"}}}}),
            "invalid restart policy 'sometimes'");
  EXPECT_EQ(RestartError({{"AutoRemove", true}, {"RestartPolicy", {{"Name", "always"}}}}),
            "can't create 'AutoRemove' container with restart policy");
  EXPECT_EQ(RestartError({{"AutoRemove", true}, {"RestartPolicy", {{"Name", "no"}}}}), "");
}

TEST(RestartPolicyTest, RoundTrips) {
  RestartPolicy p{"on-failure", 5};
  json j = json::object();
  RestartPolicyToJson(p, &j);
  auto back = ParseRestartPolicy(j);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->name, "on-failure");
  EXPECT_EQ(back->maximum_retry_count, 5);
}

TEST(HealthConfigTest, ParsesAndChecksMinimums) {
  auto h = ParseHealthConfig(
      {{"Healthcheck",
        {{"Test", {"CMD-SHELL", "true"}}, {"Interval", 200000000}, {"Retries", 2}}}});
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->present);
  EXPECT_EQ(h->interval, 200000000);
  EXPECT_EQ(HealthCommand(*h), (std::vector<std::string>{"/bin/sh", "-c", "true"}));
  auto bad = ParseHealthConfig({{"Healthcheck", {{"Test", {"CMD", "true"}}, {"Interval", 5}}}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "Interval in Healthcheck cannot be less than 1ms");
  bad = ParseHealthConfig({{"Healthcheck", {{"Test", {"CMD", "true"}}, {"Retries", -1}}}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "Retries in Healthcheck cannot be negative");
  EXPECT_FALSE(ParseHealthConfig({{"Healthcheck", {{"Test", {"SOMETIMES", "x"}}}}}));
  auto absent = ParseHealthConfig(json::object());
  ASSERT_TRUE(absent);
  EXPECT_FALSE(absent->present);
}

TEST(HealthConfigTest, MergesOverTheImagesAsDockerd) {
  json image = {
      {"Healthcheck", {{"Test", {"CMD", "check"}}, {"Interval", 1000000000}, {"Retries", 7}}}};
  // Absent: the image's whole.
  HealthConfig m = MergeHealthConfig(HealthConfig{}, image);
  EXPECT_EQ(m.test, (std::vector<std::string>{"CMD", "check"}));
  EXPECT_EQ(m.retries, 7);
  // Given without a Test: the image's test, the given interval.
  HealthConfig c;
  c.present = true;
  c.interval = 2000000;
  m = MergeHealthConfig(c, image);
  EXPECT_EQ(m.test, (std::vector<std::string>{"CMD", "check"}));
  EXPECT_EQ(m.interval, 2000000);
  EXPECT_EQ(m.retries, 7);
  EXPECT_TRUE(HasHealthcheck(m));
  // NONE turns the image's off.
  c.test = {"NONE"};
  EXPECT_FALSE(HasHealthcheck(MergeHealthConfig(c, image)));
}

}  // namespace
}  // namespace berth::engine
