#include "spec/runtime_state.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace berth::spec {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

State Running() {
  State s;
  s.oci_version = "1.2.0";
  s.id = "abc";
  s.status = Status::kRunning;
  s.pid = 4242;
  s.bundle = "/run/bundles/abc";
  s.annotations = {{"org.example", "x"}};
  return s;
}

TEST(RuntimeState, StatusNames) {
  EXPECT_STREQ(StatusName(Status::kCreating), "creating");
  EXPECT_STREQ(StatusName(Status::kCreated), "created");
  EXPECT_STREQ(StatusName(Status::kRunning), "running");
  EXPECT_STREQ(StatusName(Status::kPaused), "paused");
  EXPECT_STREQ(StatusName(Status::kStopped), "stopped");
}

TEST(RuntimeState, JsonShapeAndRoundTrip) {
  json j = StateToJson(Running());
  EXPECT_EQ(j, json::parse(R"({"ociVersion": "1.2.0", "id": "abc", "status": "running",
                               "pid": 4242, "bundle": "/run/bundles/abc",
                               "annotations": {"org.example": "x"}})"));
  auto back = StateFromJson(j);
  ASSERT_TRUE(back) << back.error().What();
  EXPECT_EQ(back->oci_version, "1.2.0");
  EXPECT_EQ(back->id, "abc");
  EXPECT_EQ(back->status, Status::kRunning);
  EXPECT_EQ(back->pid, 4242);
  EXPECT_EQ(back->bundle, "/run/bundles/abc");
  EXPECT_EQ(back->annotations, Running().annotations);
  EXPECT_EQ(StateToJson(*back), j);
}

TEST(RuntimeState, EveryStatusRoundTrips) {
  for (Status s :
       {Status::kCreating, Status::kCreated, Status::kRunning, Status::kPaused, Status::kStopped}) {
    State st = Running();
    st.status = s;
    auto back = StateFromJson(StateToJson(st));
    ASSERT_TRUE(back) << back.error().What();
    EXPECT_EQ(back->status, s);
  }
}

TEST(RuntimeState, PidOmittedWhenStoppedOrZero) {
  State s = Running();
  s.status = Status::kStopped;
  EXPECT_FALSE(StateToJson(s).contains("pid"));
  s.status = Status::kCreating;
  s.pid = 0;
  EXPECT_FALSE(StateToJson(s).contains("pid"));
  auto back = StateFromJson(StateToJson(s));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->pid, 0);
}

TEST(RuntimeState, AnnotationsOmittedWhenEmpty) {
  State s = Running();
  s.annotations.clear();
  EXPECT_FALSE(StateToJson(s).contains("annotations"));
}

TEST(RuntimeState, ErrorsNameTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"([])", "must be a JSON object"},
      {R"({"id": "a", "status": "running", "bundle": "/b"})", "ociVersion: is required"},
      {R"({"ociVersion": "1.2.0", "status": "running", "bundle": "/b"})", "id: is required"},
      {R"({"ociVersion": "1.2.0", "id": "", "status": "running", "bundle": "/b"})",
       "id: must not be empty"},
      {R"({"ociVersion": "1.2.0", "id": "a", "status": "sleeping", "bundle": "/b"})",
       R"(status: unknown status "sleeping")"},
      {R"({"ociVersion": "1.2.0", "id": "a", "status": 1, "bundle": "/b"})",
       "status: must be a string"},
      {R"({"ociVersion": "1.2.0", "id": "a", "status": "running", "pid": "1", "bundle": "/b"})",
       "pid: must be an integer"},
      {R"({"ociVersion": "1.2.0", "id": "a", "status": "running", "pid": -3, "bundle": "/b"})",
       "pid: must not be negative"},
      {R"({"ociVersion": "1.2.0", "id": "a", "status": "running"})", "bundle: is required"},
      {R"({"ociVersion": "1.2.0", "id": "a", "status": "running", "bundle": "/b",
           "annotations": {"k": 1}})",
       R"(annotations["k"]: must be a string)"},
  };
  for (const auto& [text, want] : cases) {
    SCOPED_TRACE(text);
    auto s = StateFromJson(json::parse(text));
    ASSERT_FALSE(s);
    EXPECT_THAT(s.error().What(), HasSubstr(want));
  }
}

}  // namespace
}  // namespace berth::spec
