// The daemon's event stream (docker events): what happened to containers,
// images, networks, volumes and the daemon, in the order it happened.
//
// Every part of the engine publishes; GET /events subscribes. The bus keeps
// the last 1024 events so that a subscriber can ask for the past (docker's
// `since`), then follows the live ones until a time (`until`) or forever.
// Publishing never waits for a subscriber: each has a bounded queue, and a
// subscriber that falls behind by more than that loses its oldest queued
// events (counted in dropped()) rather than slowing the engine or growing
// memory.
//
// Thread safety: every method of EventBus and of a Subscription may be
// called from any thread. A Subscription may outlive the bus that made it
// (it then sees no new events).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/error.h"

namespace berth::engine {

struct Event {
  std::string type;    // "container", "image", "network", "volume", "daemon"
  std::string action;  // "create", "start", "die", "exec_start: sh -c x", "pull", "tag", ...
  std::string actor_id;
  std::map<std::string, std::string> attributes;  // name, image, exitCode, signal, labels...
  int64_t time_nano = 0;                          // 0: Publish stamps it with the current time
};

// docker's event filters (the `filters` query of GET /events), as dockerd
// applies them: values of one key are alternatives (any may match), keys
// must all match.
//   type       the event's type
//   event      its action; "exec_start", "exec_create" and "health_status"
//              also match the actions that carry a detail after ':'
//   container  actor ID or "name" attribute, exactly or by prefix (of any
//              event type, as dockerd does)
//   image      actor ID or the image's name ("name" attribute of an image
//              event, "image" of a container event), with or without its tag
//   label      "key" (present) or "key=value" against the attributes; every
//              label given must match
//   daemon, network, volume, plugin, service, node, secret, config: as
//              container (ID or name, by prefix), for those event types
//   scope      "local" or "swarm" (berth's events are all local)
struct EventFilter {
  std::map<std::string, std::set<std::string>> values;  // key -> accepted values

  // Whether `e` passes every key of the filter. An empty filter passes all.
  bool Matches(const Event& e) const;
};

// Parses docker's filters JSON: {"type":["container"]} or the older
// {"type":{"container":true}}; "" is the empty filter. EINVAL with a
// one-line message on anything else, and "invalid filter 'KEY'" for a key
// docker does not know.
Result<EventFilter> ParseEventFilters(std::string_view filters_json);

// `e` as the Docker Engine API sends it: {"status","id","from","Type",
// "Action","Actor":{"ID","Attributes"},"scope":"local","time","timeNano"};
// the legacy status/id (and for a container, from = its image) only for
// container and image events, as dockerd 20.10 fills them.
nlohmann::ordered_json EventJson(const Event& e);

class EventBus {
  struct Core;  // the ring and the subscribers, shared with every Subscription

 public:
  // How many past events the bus keeps, and how many undelivered events a
  // subscriber may have queued before it loses its oldest.
  static constexpr size_t kHistory = 1024;
  static constexpr size_t kQueueLimit = 4096;

  explicit EventBus(size_t history = kHistory, size_t queue_limit = kQueueLimit);
  ~EventBus();
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  // Records `e` (stamped with the current time when its time_nano is 0) and
  // queues it for every subscriber whose filter matches. Never blocks on a
  // subscriber. A time given by the caller is kept as is; since/until
  // assume events arrive in time order, as stamped ones do.
  void Publish(Event e);

  class Subscription {
   public:
    ~Subscription();  // unsubscribes
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;

    // The next event, waiting up to `timeout` for one. nullopt when the
    // timeout passed with none, or when the subscription has ended (then
    // Ended() is true and every later call returns nullopt at once).
    std::optional<Event> Next(std::chrono::milliseconds timeout);
    // True once `until` has passed and every event up to it was returned.
    // Never true for a subscription without an until.
    bool Ended() const;
    // Events this subscriber lost because its queue was full.
    uint64_t dropped() const;

   private:
    friend class EventBus;
    struct State;  // its queue, shared with the bus
    Subscription(std::shared_ptr<Core> core, std::shared_ptr<State> state);
    std::shared_ptr<Core> core_;
    std::shared_ptr<State> state_;
  };

  // A subscription to the events matching `filter`: first the kept past
  // events with since_nano <= time <= until_nano (only when either is
  // given, as dockerd does: with both 0 there is no past), then live ones,
  // up to until_nano (0 = forever). No event is missed or repeated between
  // the past and the live part.
  std::unique_ptr<Subscription> Subscribe(EventFilter filter, int64_t since_nano,
                                          int64_t until_nano);

  // The current wall-clock time in nanoseconds since the epoch, as events
  // are stamped.
  static int64_t NowNano();

 private:
  std::shared_ptr<Core> core_;
};

}  // namespace berth::engine
