// POST /containers/{id}/update: docker's body (the Resources fields and a
// RestartPolicy) to the engine's Update, answered with {"Warnings": [...]}.
#include "api/routes.h"

namespace berth::api {

using nlohmann::json;

void AddUpdateRoutes(Router& r, ApiContext& ctx) {
  r.Add("POST", "/containers/{name}/update", [&ctx](const HttpRequest& req, HttpResponder& out) {
    json body = req.body.empty() ? json::object() : json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object())
      return out.SendError(400, "the update body must be a JSON object");
    auto warnings = ctx.containers->Update(req.params.at("name"), body);
    if (!warnings) return out.SendError(StatusForError(warnings.error()), warnings.error().What());
    out.SendJson(200, {{"Warnings", *warnings}});
  });
}

}  // namespace berth::api
