#include "engine/event_bus.h"

#include <gtest/gtest.h>

#include <thread>

namespace berth::engine {
namespace {

using namespace std::chrono_literals;

Event Container(const std::string& action, const std::string& id, const std::string& name,
                const std::string& image = "busybox:latest") {
  return Event{"container", action, id, {{"name", name}, {"image", image}}, 0};
}

Event Image(const std::string& action, const std::string& id, const std::string& name) {
  return Event{"image", action, id, {{"name", name}}, 0};
}

EventFilter Filter(std::string_view text) {
  auto f = ParseEventFilters(text);
  EXPECT_TRUE(f.has_value()) << (f ? "" : f.error().What());
  return f ? *f : EventFilter{};
}

TEST(ParseEventFilters, ListAndLegacyMapForms) {
  EventFilter a = Filter(R"({"type":["container","image"],"event":["start"]})");
  EXPECT_EQ(a.values["type"], (std::set<std::string>{"container", "image"}));
  EXPECT_EQ(a.values["event"], (std::set<std::string>{"start"}));
  EventFilter b = Filter(R"({"type":{"container":true,"image":false}})");
  EXPECT_EQ(b.values["type"], (std::set<std::string>{"container"}));
  EXPECT_TRUE(Filter("").values.empty());
  EXPECT_TRUE(Filter("{}").values.empty());
}

TEST(ParseEventFilters, RefusesBadInput) {
  auto unknown = ParseEventFilters(R"({"colour":["red"]})");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), EINVAL);
  EXPECT_EQ(unknown.error().What(), "invalid filter 'colour'");
  for (const char* bad : {"nope", "[1]", R"({"type":"container"})", R"({"type":[1]})",
                          R"({"type":{"container":"yes"}})"}) {
    auto r = ParseEventFilters(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), EINVAL) << bad;
    EXPECT_EQ(r.error().What().find('\n'), std::string::npos) << bad;
  }
}

TEST(EventFilter, TypeAndEventAreAlternativesAndKeysAllMatch) {
  Event start = Container("start", "abc123", "web");
  Event die = Container("die", "abc123", "web");
  Event pull = Image("pull", "busybox:latest", "busybox");
  EventFilter f = Filter(R"({"type":["container"],"event":["start","stop"]})");
  EXPECT_TRUE(f.Matches(start));
  EXPECT_FALSE(f.Matches(die));
  EXPECT_FALSE(f.Matches(pull));
  EXPECT_TRUE(EventFilter{}.Matches(pull));
}

TEST(EventFilter, ExecActionsMatchTheirPrefix) {
  Event exec = Container("exec_start: sh -c x", "abc", "web");
  EXPECT_TRUE(Filter(R"({"event":["exec_start"]})").Matches(exec));
  EXPECT_TRUE(Filter(R"({"event":["exec_start: sh -c x"]})").Matches(exec));
  EXPECT_FALSE(Filter(R"({"event":["exec_create"]})").Matches(exec));
  // Other actions are matched exactly.
  EXPECT_FALSE(Filter(R"({"event":["sta"]})").Matches(Container("start", "abc", "web")));
}

TEST(EventFilter, ContainerMatchesIdOrNameByPrefix) {
  Event e = Container("start", "0123456789abcdef", "web-1");
  EXPECT_TRUE(Filter(R"({"container":["0123456789abcdef"]})").Matches(e));
  EXPECT_TRUE(Filter(R"({"container":["0123"]})").Matches(e));
  EXPECT_TRUE(Filter(R"({"container":["web-1"]})").Matches(e));
  EXPECT_TRUE(Filter(R"({"container":["other","web"]})").Matches(e));
  EXPECT_FALSE(Filter(R"({"container":["db"]})").Matches(e));
}

TEST(EventFilter, ImageMatchesActorNameOrImageWithAndWithoutTag) {
  Event run = Container("start", "abc", "web", "busybox:1.36");
  Event pull = Image("pull", "busybox:latest", "busybox");
  Event tag = Image("tag", "sha256:1111", "localhost:5000/x/y:2");
  EXPECT_TRUE(Filter(R"({"image":["busybox:1.36"]})").Matches(run));
  EXPECT_TRUE(Filter(R"({"image":["busybox"]})").Matches(run));
  EXPECT_FALSE(Filter(R"({"image":["busybox:latest"]})").Matches(run));
  EXPECT_TRUE(Filter(R"({"image":["busybox:latest"]})").Matches(pull));
  EXPECT_TRUE(Filter(R"({"image":["busybox"]})").Matches(pull));
  EXPECT_TRUE(Filter(R"({"image":["sha256:1111"]})").Matches(tag));
  EXPECT_TRUE(Filter(R"({"image":["localhost:5000/x/y"]})").Matches(tag));
  EXPECT_FALSE(Filter(R"({"image":["alpine"]})").Matches(pull));
}

TEST(EventFilter, LabelsMustAllMatch) {
  Event e = Container("start", "abc", "web");
  e.attributes["com.example.team"] = "infra";
  e.attributes["tier"] = "db";
  EXPECT_TRUE(Filter(R"({"label":["tier"]})").Matches(e));
  EXPECT_TRUE(Filter(R"({"label":["tier=db","com.example.team=infra"]})").Matches(e));
  EXPECT_FALSE(Filter(R"({"label":["tier=db","com.example.team=web"]})").Matches(e));
  EXPECT_FALSE(Filter(R"({"label":["missing"]})").Matches(e));
  EXPECT_FALSE(Filter(R"({"label":["x"]})").Matches(Event{"daemon", "reload", "id", {}, 0}));
}

TEST(EventJson, ContainerEventsCarryTheLegacyFields) {
  Event e = Container("die", "abc", "web");
  e.attributes["exitCode"] = "137";
  e.time_nano = 1700000000123456789;
  nlohmann::json j = nlohmann::json::parse(EventJson(e).dump());
  EXPECT_EQ(j["status"], "die");
  EXPECT_EQ(j["id"], "abc");
  EXPECT_EQ(j["from"], "busybox:latest");
  EXPECT_EQ(j["Type"], "container");
  EXPECT_EQ(j["Action"], "die");
  EXPECT_EQ(j["Actor"]["ID"], "abc");
  EXPECT_EQ(j["Actor"]["Attributes"]["exitCode"], "137");
  EXPECT_EQ(j["scope"], "local");
  EXPECT_EQ(j["time"], 1700000000);
  EXPECT_EQ(j["timeNano"], 1700000000123456789);
}

TEST(EventJson, ImageEventsHaveNoFromOtherTypesNoLegacyFields) {
  nlohmann::json img =
      nlohmann::json::parse(EventJson(Image("pull", "busybox:latest", "busybox")).dump());
  EXPECT_EQ(img["status"], "pull");
  EXPECT_EQ(img["id"], "busybox:latest");
  EXPECT_FALSE(img.contains("from"));
  nlohmann::json net = nlohmann::json::parse(
      EventJson(Event{"network", "connect", "n1", {{"container", "abc"}}, 1}).dump());
  EXPECT_FALSE(net.contains("status"));
  EXPECT_FALSE(net.contains("id"));
  EXPECT_FALSE(net.contains("from"));
  EXPECT_EQ(net["Actor"]["Attributes"]["container"], "abc");
  nlohmann::json none =
      nlohmann::json::parse(EventJson(Event{"daemon", "reload", "d", {}, 1}).dump());
  EXPECT_TRUE(none["Actor"]["Attributes"].is_object());
}

TEST(EventBus, PublishStampsTimeAndLiveSubscribersSeeMatchingEvents) {
  EventBus bus;
  auto all = bus.Subscribe({}, 0, 0);
  auto images = bus.Subscribe(Filter(R"({"type":["image"]})"), 0, 0);
  int64_t before = EventBus::NowNano();
  bus.Publish(Container("start", "abc", "web"));
  bus.Publish(Image("pull", "busybox:latest", "busybox"));
  auto a = all->Next(1s);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->action, "start");
  EXPECT_GE(a->time_nano, before);
  EXPECT_LE(a->time_nano, EventBus::NowNano());
  ASSERT_TRUE(all->Next(1s));
  auto i = images->Next(1s);
  ASSERT_TRUE(i);
  EXPECT_EQ(i->action, "pull");
  EXPECT_FALSE(images->Next(10ms));
  EXPECT_FALSE(images->Ended());
}

TEST(EventBus, NoPastWithoutSinceOrUntil) {
  EventBus bus;
  bus.Publish(Container("create", "abc", "web"));
  auto s = bus.Subscribe({}, 0, 0);
  EXPECT_FALSE(s->Next(10ms));
}

TEST(EventBus, SinceReplaysThePastThenFollowsLive) {
  EventBus bus;
  for (int i = 1; i <= 5; i++) bus.Publish(Event{"container", "a", "x", {}, i * 100});
  auto s = bus.Subscribe({}, 300, 0);
  for (int64_t want : {300, 400, 500}) {
    auto e = s->Next(1s);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->time_nano, want);
  }
  bus.Publish(Container("start", "abc", "web"));
  auto live = s->Next(1s);
  ASSERT_TRUE(live);
  EXPECT_EQ(live->action, "start");
}

TEST(EventBus, UntilInThePastReturnsThePastAndEnds) {
  EventBus bus;
  for (int i = 1; i <= 5; i++) bus.Publish(Event{"container", "a", "x", {}, i * 100});
  auto s = bus.Subscribe({}, 200, 400);
  std::vector<int64_t> got;
  while (auto e = s->Next(1s)) got.push_back(e->time_nano);
  EXPECT_EQ(got, (std::vector<int64_t>{200, 300, 400}));
  EXPECT_TRUE(s->Ended());
  EXPECT_FALSE(s->Next(1s));
  // until alone: everything kept up to it.
  auto u = bus.Subscribe({}, 0, 250);
  EXPECT_EQ(u->Next(1s)->time_nano, 100);
  EXPECT_EQ(u->Next(1s)->time_nano, 200);
  EXPECT_FALSE(u->Next(1s));
  EXPECT_TRUE(u->Ended());
}

TEST(EventBus, UntilInTheFutureEndsWhenItPasses) {
  EventBus bus;
  int64_t until = EventBus::NowNano() + 200'000'000;
  auto s = bus.Subscribe({}, 0, until);
  std::thread pub([&] {
    std::this_thread::sleep_for(50ms);
    bus.Publish(Container("start", "abc", "web"));
  });
  auto e = s->Next(5s);
  pub.join();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->action, "start");
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(s->Next(5s));
  EXPECT_TRUE(s->Ended());
  // Ended at until (~150 ms from here), not at the 5 s timeout.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  bus.Publish(Container("stop", "abc", "web"));
  EXPECT_FALSE(s->Next(10ms));
}

TEST(EventBus, RingKeepsTheLastEvents) {
  EventBus bus(4, 100);
  for (int i = 1; i <= 10; i++) bus.Publish(Event{"image", "tag", "x", {}, i});
  auto s = bus.Subscribe({}, 1, 0);
  std::vector<int64_t> got;
  while (auto e = s->Next(10ms)) got.push_back(e->time_nano);
  EXPECT_EQ(got, (std::vector<int64_t>{7, 8, 9, 10}));
}

TEST(EventBus, SlowSubscriberLosesItsOldestAndNeverBlocksPublish) {
  EventBus bus(16, 8);
  auto slow = bus.Subscribe({}, 0, 0);
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 1; i <= 10000; i++) bus.Publish(Event{"image", "tag", "x", {}, i});
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_EQ(slow->dropped(), 10000u - 8);
  std::vector<int64_t> got;
  while (auto e = slow->Next(10ms)) got.push_back(e->time_nano);
  ASSERT_EQ(got.size(), 8u);
  EXPECT_EQ(got.front(), 9993);
  EXPECT_EQ(got.back(), 10000);
}

TEST(EventBus, ConcurrentPublishersReachEverySubscriber) {
  EventBus bus;
  auto s = bus.Subscribe({}, 0, 0);
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; t++)
    ts.emplace_back([&] {
      for (int i = 0; i < 500; i++) bus.Publish(Container("start", "abc", "web"));
    });
  int n = 0;
  int64_t last = 0;
  while (n < 2000) {
    auto e = s->Next(2s);
    ASSERT_TRUE(e);
    EXPECT_GE(e->time_nano, last);  // in publish order, stamped in order
    last = e->time_nano;
    n++;
  }
  for (auto& t : ts) t.join();
  EXPECT_FALSE(s->Next(10ms));
}

TEST(EventBus, SubscriptionOutlivesTheBus) {
  std::unique_ptr<EventBus::Subscription> s;
  {
    EventBus bus;
    s = bus.Subscribe({}, 0, 0);
    bus.Publish(Container("start", "abc", "web"));
  }
  EXPECT_TRUE(s->Next(10ms));
  EXPECT_FALSE(s->Next(10ms));
  s.reset();
}

}  // namespace
}  // namespace berth::engine
