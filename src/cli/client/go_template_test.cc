#include "cli/client/go_template.h"

#include <gtest/gtest.h>

namespace berth::cli {
namespace {

TEST(GoTemplate, FieldsJsonAndLiterals) {
  nlohmann::json d = {
      {"Id", "sha256:abc"}, {"Config", {{"Env", {"A=1", "B=2"}}, {"User", ""}}}, {"Size", 42}};
  EXPECT_EQ(*RenderGoTemplate("{{.Id}}", d), "sha256:abc");
  EXPECT_EQ(*RenderGoTemplate("id={{ .Id }} size={{.Size}}", d), "id=sha256:abc size=42");
  EXPECT_EQ(*RenderGoTemplate("{{.Config.Env}}", d), "[A=1 B=2]");
  EXPECT_EQ(*RenderGoTemplate("{{json .Config.Env}}", d), R"(["A=1","B=2"])");
  EXPECT_EQ(*RenderGoTemplate("{{.Id}}\\t{{.Size}}", d), "sha256:abc\t42");
}

TEST(GoTemplate, UnknownFieldsAreErrorsNamingTheField) {
  auto r = RenderGoTemplate("{{.Nope}}", nlohmann::json::object());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().What(), "template: can't evaluate field Nope in .Nope");
  EXPECT_FALSE(RenderGoTemplate("{{.Id", nlohmann::json::object()));
}

}  // namespace
}  // namespace berth::cli
