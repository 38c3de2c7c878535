// GET /events: docker events, streamed from the engine's EventBus.
#include <algorithm>
#include <cctype>
#include <chrono>

#include <fmt/core.h>

#include "api/routes.h"
#include "base/clock.h"
#include "base/log.h"
#include "engine/event_bus.h"

namespace berth::api {

namespace {

// A time as GET /events takes it, in nanoseconds since the epoch; 0 when
// `text` is empty. The docker CLI sends unix seconds with an optional
// fraction ("1700000000.123456789", converted from its --since/--until
// durations and dates); RFC 3339 ("2024-05-01T12:00:00.5Z") is taken too.
Result<int64_t> ParseEventTime(const std::string& name, const std::string& text) {
  if (text.empty()) return int64_t{0};
  auto bad = [&] {
    return FailAs(EINVAL, "invalid {} time {}: want unix seconds (1700000000.5) or RFC 3339", name,
                  text);
  };
  // Unix seconds, as moby's timetypes.ParseTimestamps reads them: the
  // fraction's digits are scaled to nanoseconds (".5" is half a second).
  size_t dot = text.find('.');
  std::string secs = text.substr(0, dot);
  std::string frac = dot == std::string::npos ? "" : text.substr(dot + 1);
  auto all_digits = [](const std::string& s) {
    return !s.empty() && s.size() <= 18 &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (all_digits(secs) && (dot == std::string::npos || (all_digits(frac) && frac.size() <= 9))) {
    int64_t ns = std::stoll(secs) * 1000000000;
    if (!frac.empty()) ns += std::stoll(frac + std::string(9 - frac.size(), '0'));
    // since=0 asks for everything kept, which a 0 here would not say.
    return ns == 0 ? int64_t{1} : ns;
  }
  // RFC 3339: whole seconds from the clock helper, the fraction from here.
  int64_t s = ParseRfc3339Seconds(text);
  if (s <= 0) return bad();
  int64_t ns = s * 1000000000;
  if (text.size() > 20 && text[19] == '.') {
    std::string digits;
    for (size_t i = 20; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); i++)
      if (digits.size() < 9) digits += text[i];
    if (!digits.empty()) ns += std::stoll(digits + std::string(9 - digits.size(), '0'));
  }
  return ns;
}

// Streams the events the query asks for, one JSON object per line, as
// dockerd does: the kept past ones first (with since or until), then live
// ones until `until` passes or the client goes.
void GetEvents(ApiContext& ctx, const HttpRequest& req, HttpResponder& out) {
  if (ctx.events == nullptr) return out.SendError(500, "the daemon has no event bus");
  auto since = ParseEventTime("since", req.Query("since"));
  if (!since) return out.SendError(400, since.error().What());
  auto until = ParseEventTime("until", req.Query("until"));
  if (!until) return out.SendError(400, until.error().What());
  if (*until != 0 && *until < *since)
    return out.SendError(400, fmt::format("`since` time ({}) cannot be after `until` time ({})",
                                          req.Query("since"), req.Query("until")));
  auto filter = engine::ParseEventFilters(req.Query("filters"));
  if (!filter) return out.SendError(400, filter.error().What());

  auto sub = ctx.events->Subscribe(std::move(*filter), *since, *until);
  out.StartStream(200, "application/json");
  // Next wakes at least once a second with nothing to send: the loop ends
  // when until has passed (Ended) or a write finds the client gone.
  uint64_t dropped = 0;
  for (;;) {
    auto e = sub->Next(std::chrono::seconds(1));
    if (!e) {
      if (sub->Ended() || out.ClientGone()) return;
      continue;
    }
    // A client reading slower than the engine makes events loses the
    // oldest it has not read (the bus never waits for it): noted here.
    if (uint64_t d = sub->dropped(); d > dropped) {
      log::Warn("GET /events: a slow client lost {} events", d - dropped);
      dropped = d;
    }
    if (!out.Write(JsonText(engine::EventJson(*e)) + "\n")) return;
  }
}

}  // namespace

void AddEventRoutes(Router& r, ApiContext& ctx) {
  r.Add("GET", "/events",
        [&ctx](const HttpRequest& req, HttpResponder& out) { GetEvents(ctx, req, out); });
}

}  // namespace berth::api
