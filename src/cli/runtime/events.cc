// berth-runtime events [--stats] [--interval D] ID: the container's stats
// and OOM notifications as runc's JSON events, one per line: once with
// --stats, otherwise as a stream until the container stops.
#include <cstdio>

#include "cli/runtime/commands.h"

namespace berth::cli {

void AddEvents(CLI::App& app, Globals& g, Action* action) {
  auto* cmd = app.add_subcommand(
      "events", "display container events such as OOM notifications, cpu, memory, and IO usage");
  struct Args {
    std::string id;
    std::string interval = "5s";
    bool stats = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("id", a->id, "container id")->required();
  cmd->add_option("--interval", a->interval, "the stats collection interval (default 5s)");
  cmd->add_flag("--stats", a->stats, "display the container's stats then exit");
  cmd->callback([&g, action, a] {
    *action = [&g, a] {
      auto print = [](const nlohmann::ordered_json& e) {
        std::printf("%s\n", e.dump().c_str());
        std::fflush(stdout);
      };
      auto interval = runtime::ParseDuration(a->interval);
      if (!interval) return ReportError(interval.error().Context("--interval"));
      if (interval->count() <= 0)
        return ReportError(Error(0, "--interval: the duration must be greater than 0"));
      if (a->stats) {
        auto e = runtime::StatsEvent(g.Options(), a->id);
        if (!e) return ReportError(e.error());
        print(*e);
        return 0;
      }
      auto st = runtime::Events(g.Options(), a->id, *interval, print);
      return st ? 0 : ReportError(st.error());
    };
  });
}

}  // namespace berth::cli
