// berth wait CONTAINER...: POST /containers/{id}/wait (the daemon answers
// when the container stops), printing each exit code.
#include <nlohmann/json.hpp>

#include "cli/client/container_each.h"
#include "cli/client/json_fields.h"

namespace berth::cli {

void AddWaitCommand(CLI::App& parent, ClientOptions& o, ClientAction* a) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto* cmd = parent.add_subcommand("wait", "Block until containers stop, then print exit codes");
  cmd->add_option("CONTAINER", *names, "containers")->required();
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      return ForEachContainer(
          o, *names,
          [&](ApiClient& c, const std::string& n) -> Result<ApiResponse> {
            auto r = TRY(c.Call("POST", ContainerPath(n) + "/wait?condition=not-running"));
            // A wait that ended on an error is an error of that container.
            auto j = nlohmann::json::parse(r.body, nullptr, false);
            if (r.status / 100 == 2 && j.is_object() && j.contains("Error") &&
                j["Error"].is_object()) {
              std::string msg = StrField(j["Error"], "Message");
              if (!msg.empty()) return Fail("{}", msg);
            }
            return r;
          },
          [](const std::string&, const ApiResponse& r) {
            auto j = nlohmann::json::parse(r.body, nullptr, false);
            return std::to_string(IntField(j, "StatusCode"));
          });
    };
  });
}

}  // namespace berth::cli
