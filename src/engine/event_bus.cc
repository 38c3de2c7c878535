#include "engine/event_bus.h"

#include <time.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <vector>

#include "image/reference.h"

namespace berth::engine {

using nlohmann::json;

namespace {

// The filter keys dockerd accepts for events (api/types/filters in moby).
const std::set<std::string, std::less<>> kFilterKeys = {
    "config", "container", "daemon", "event",  "image",   "label", "network",
    "node",   "plugin",    "scope",  "secret", "service", "type",  "volume"};

// docker's Args.ExactMatch: no values for the key pass everything.
bool ExactMatch(const EventFilter& f, const std::string& key, const std::string& source) {
  auto it = f.values.find(key);
  if (it == f.values.end() || it->second.empty()) return true;
  return it->second.contains(source);
}

// docker's Args.FuzzyMatch: exact, or a value is a prefix of `source`.
bool FuzzyMatch(const EventFilter& f, const std::string& key, const std::string& source) {
  if (ExactMatch(f, key, source)) return true;
  const auto& vals = f.values.at(key);
  return std::any_of(vals.begin(), vals.end(),
                     [&](const std::string& v) { return source.starts_with(v); });
}

std::string Attr(const Event& e, const char* key) {
  auto it = e.attributes.find(key);
  return it == e.attributes.end() ? std::string() : it->second;
}

// A filter on objects of one type (container, network, ...) matches the
// actor's ID or its name attribute by prefix. dockerd applies it to events
// of every type, and so does berth (an image event whose name starts with
// the container filter passes it).
bool MatchName(const EventFilter& f, const Event& e, const std::string& key) {
  return FuzzyMatch(f, key, e.actor_id) || FuzzyMatch(f, key, Attr(e, "name"));
}

// "busybox:latest" -> "busybox"; what does not parse stays as it is.
std::string StripTag(const std::string& name) {
  auto ref = image::ParseReference(name);
  if (!ref) return name;
  return ref->FamiliarName();
}

bool MatchImage(const EventFilter& f, const Event& e) {
  auto it = f.values.find("image");
  if (it == f.values.end() || it->second.empty()) return true;
  std::string name = Attr(e, e.type == "image" ? "name" : "image");
  return ExactMatch(f, "image", e.actor_id) || ExactMatch(f, "image", name) ||
         ExactMatch(f, "image", StripTag(e.actor_id)) || ExactMatch(f, "image", StripTag(name));
}

// Every label value must be present ("key") or equal ("key=value").
bool MatchLabels(const EventFilter& f, const Event& e) {
  auto it = f.values.find("label");
  if (it == f.values.end() || it->second.empty()) return true;
  if (e.attributes.empty()) return false;
  for (const std::string& v : it->second) {
    size_t eq = v.find('=');
    auto a = e.attributes.find(v.substr(0, eq));
    if (a == e.attributes.end()) return false;
    if (eq != std::string::npos && a->second != v.substr(eq + 1)) return false;
  }
  return true;
}

// "exec_start" in an event filter matches "exec_start: sh -c x" (moby
// #25798): those actions carry the command after a colon.
bool MatchAction(const EventFilter& f, const Event& e) {
  auto it = f.values.find("event");
  if (it == f.values.end() || it->second.empty()) return true;
  for (const char* fuzzy : {"exec_create", "exec_start", "health_status"})
    if (it->second.contains(fuzzy)) return FuzzyMatch(f, "event", e.action);
  return it->second.contains(e.action);
}

}  // namespace

bool EventFilter::Matches(const Event& e) const {
  if (values.empty()) return true;
  return MatchAction(*this, e) && ExactMatch(*this, "type", e.type) &&
         ExactMatch(*this, "scope", "local") && MatchName(*this, e, "daemon") &&
         MatchName(*this, e, "container") && MatchName(*this, e, "plugin") &&
         MatchName(*this, e, "volume") && MatchName(*this, e, "network") && MatchImage(*this, e) &&
         MatchName(*this, e, "node") && MatchName(*this, e, "service") &&
         MatchName(*this, e, "secret") && MatchName(*this, e, "config") && MatchLabels(*this, e);
}

Result<EventFilter> ParseEventFilters(std::string_view filters_json) {
  EventFilter f;
  if (filters_json.empty()) return f;
  json j = json::parse(filters_json, nullptr, false);
  if (!j.is_object()) return FailAs(EINVAL, "invalid filters: not a JSON object: {}", filters_json);
  for (auto& [key, v] : j.items()) {
    if (!kFilterKeys.contains(key)) return FailAs(EINVAL, "invalid filter '{}'", key);
    std::set<std::string>& vals = f.values[key];
    // {"type":["container"]}, or before API 1.22 {"type":{"container":true}}.
    if (v.is_array()) {
      for (const json& s : v) {
        if (!s.is_string())
          return FailAs(EINVAL, "invalid filter '{}': values must be strings", key);
        vals.insert(s.get<std::string>());
      }
    } else if (v.is_object()) {
      for (auto& [val, on] : v.items()) {
        if (!on.is_boolean())
          return FailAs(EINVAL, "invalid filter '{}': map values must be booleans", key);
        if (on.get<bool>()) vals.insert(val);
      }
    } else {
      return FailAs(EINVAL, "invalid filter '{}': want a list of strings", key);
    }
  }
  return f;
}

nlohmann::ordered_json EventJson(const Event& e) {
  // dockerd's field order (its events.Message struct), which the docker
  // CLI's {{json .}} keeps.
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  // The fields of API < 1.22, which dockerd still fills for these two types
  // (and omits when empty).
  if (e.type == "container" || e.type == "image") {
    if (!e.action.empty()) j["status"] = e.action;
    if (!e.actor_id.empty()) j["id"] = e.actor_id;
    if (e.type == "container") {
      std::string from = Attr(e, "image");
      if (!from.empty()) j["from"] = from;
    }
  }
  nlohmann::ordered_json attrs = nlohmann::ordered_json::object();
  for (const auto& [k, v] : e.attributes) attrs[k] = v;
  j["Type"] = e.type;
  j["Action"] = e.action;
  j["Actor"] = {{"ID", e.actor_id}, {"Attributes", attrs}};
  j["scope"] = "local";
  j["time"] = e.time_nano / 1000000000;
  j["timeNano"] = e.time_nano;
  return j;
}

// One subscriber's queue. Its own lock, so that a subscriber reading never
// holds the bus's.
struct EventBus::Subscription::State {
  EventFilter filter;
  int64_t until_nano = 0;
  size_t limit = 0;
  mutable std::mutex mu;
  std::condition_variable cv;
  std::deque<Event> queue;
  uint64_t dropped = 0;
  bool ended = false;

  // Queues `e`, dropping the oldest queued event when full. Caller holds mu.
  void Push(Event e) {
    if (queue.size() >= limit) {
      queue.pop_front();
      dropped++;
    }
    queue.push_back(std::move(e));
  }
};

struct EventBus::Core {
  size_t history = 0, queue_limit = 0;
  std::mutex mu;
  std::deque<Event> ring;  // oldest first
  std::vector<std::shared_ptr<Subscription::State>> subs;
};

int64_t EventBus::NowNano() {
  timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

EventBus::EventBus(size_t history, size_t queue_limit) : core_(std::make_shared<Core>()) {
  core_->history = std::max<size_t>(history, 1);
  core_->queue_limit = std::max<size_t>(queue_limit, 1);
}

EventBus::~EventBus() = default;

void EventBus::Publish(Event e) {
  std::lock_guard lock(core_->mu);
  // Stamped under the lock, so that the ring is in time order.
  if (e.time_nano == 0) e.time_nano = NowNano();
  for (const auto& s : core_->subs) {
    // A subscriber's filter and until are fixed at subscription: read
    // without its lock.
    if (!s->filter.Matches(e)) continue;
    if (s->until_nano != 0 && e.time_nano > s->until_nano) continue;
    {
      std::lock_guard sl(s->mu);
      s->Push(e);
    }
    s->cv.notify_one();
  }
  if (core_->ring.size() >= core_->history) core_->ring.pop_front();
  core_->ring.push_back(std::move(e));
}

std::unique_ptr<EventBus::Subscription> EventBus::Subscribe(EventFilter filter, int64_t since_nano,
                                                            int64_t until_nano) {
  auto state = std::make_shared<Subscription::State>();
  state->filter = std::move(filter);
  state->until_nano = until_nano;
  state->limit = core_->queue_limit;
  std::lock_guard lock(core_->mu);
  // The past, as dockerd replays it: only when since or until was given.
  if (since_nano != 0 || until_nano != 0) {
    for (const Event& e : core_->ring) {
      if (e.time_nano < since_nano) continue;
      if (until_nano != 0 && e.time_nano > until_nano) continue;
      if (state->filter.Matches(e)) state->Push(e);
    }
  }
  core_->subs.push_back(state);
  return std::unique_ptr<Subscription>(new Subscription(core_, state));
}

EventBus::Subscription::Subscription(std::shared_ptr<Core> core, std::shared_ptr<State> state)
    : core_(std::move(core)), state_(std::move(state)) {}

EventBus::Subscription::~Subscription() {
  std::lock_guard lock(core_->mu);
  std::erase(core_->subs, state_);
}

std::optional<Event> EventBus::Subscription::Next(std::chrono::milliseconds timeout) {
  using namespace std::chrono;
  auto deadline = steady_clock::now() + timeout;
  std::unique_lock lock(state_->mu);
  for (;;) {
    if (!state_->queue.empty()) {
      Event e = std::move(state_->queue.front());
      state_->queue.pop_front();
      return e;
    }
    if (state_->ended) return std::nullopt;
    auto wake = deadline;
    if (state_->until_nano != 0) {
      int64_t left = state_->until_nano - NowNano();
      // Past until with nothing queued. A Publish that stamped its event
      // before now may still be queueing it: taking the bus lock waits for
      // it (not while holding ours: Publish takes the bus lock first). Any
      // later event is stamped after until and dropped.
      if (left < 0) {
        lock.unlock();
        { std::lock_guard barrier(core_->mu); }
        lock.lock();
        if (!state_->queue.empty()) continue;
        state_->ended = true;
        return std::nullopt;
      }
      wake = std::min(wake, steady_clock::now() + nanoseconds(left) + microseconds(1));
    }
    if (steady_clock::now() >= deadline) return std::nullopt;
    state_->cv.wait_until(lock, wake);
  }
}

bool EventBus::Subscription::Ended() const {
  std::lock_guard lock(state_->mu);
  return state_->ended;
}

uint64_t EventBus::Subscription::dropped() const {
  std::lock_guard lock(state_->mu);
  return state_->dropped;
}

}  // namespace berth::engine
