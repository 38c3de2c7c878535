// GET /containers/{id}/stats: docker's stats objects (types.StatsJSON),
// streamed one a second (stream=true, the default), or one alone: with
// one-shot=true a single sample, else, as dockerd, a second sample a
// second after the first so that precpu_stats is filled in.
#include <chrono>
#include <thread>

#include "api/routes.h"
#include "engine/container_stats.h"

namespace berth::api {

using nlohmann::json;

namespace {

// Sleeps about `ms`, waking early when the client hangs up; false then.
bool Pause(HttpResponder& out, int ms) {
  for (int waited = 0; waited < ms; waited += 100) {
    if (out.ClientGone()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return !out.ClientGone();
}

bool Running(const json& sample) { return sample.value("read", "").rfind("0001-", 0) != 0; }

}  // namespace

void AddStatsRoutes(Router& r, ApiContext& ctx) {
  r.Add("GET", "/containers/{id}/stats", [&ctx](const HttpRequest& req, HttpResponder& out) {
    std::string id = req.params.at("id");
    std::string stream_param = req.Query("stream");
    bool stream = stream_param.empty() || req.QueryBool("stream");
    bool one_shot = req.QueryBool("one-shot");
    if (one_shot && stream) return out.SendError(400, "cannot have stream=true and one-shot=true");
    auto first = ctx.containers->Stats(id);
    if (!first) return out.SendError(StatusForError(first.error()), first.error().What());
    if (!stream) {
      if (one_shot || !Running(*first)) return out.SendJson(200, *first);
      if (!Pause(out, 1000)) return;
      auto second = ctx.containers->Stats(id);
      if (!second) return out.SendError(StatusForError(second.error()), second.error().What());
      return out.SendJson(200, engine::WithPrevious(*second, *first));
    }
    out.StartStream(200, "application/json");
    json previous;
    json current = *first;
    for (;;) {
      if (!out.Write(JsonText(engine::WithPrevious(current, previous)) + "\n")) return;
      if (!Pause(out, 1000)) return;
      auto next = ctx.containers->Stats(id);
      if (!next) return;  // removed
      previous = Running(current) ? current : json();
      current = std::move(*next);
    }
  });
}

}  // namespace berth::api
