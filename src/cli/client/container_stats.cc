// berth stats [-a] [--no-stream] [--no-trunc] [--format T] [CONTAINER...]:
// GET /containers/{id}/stats for each container, one stream per container
// on a thread of its own, the table redrawn every half second (or, with
// --no-stream, each container's one answer, printed once).
#include "cli/client/container_stats.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/core.h>

#include "cli/client/commands.h"
#include "cli/client/container_each.h"
#include "cli/client/go_template.h"
#include "cli/client/json_fields.h"
#include "cli/client/units.h"

namespace berth::cli {

using nlohmann::json;

namespace {

uint64_t U(const json& j, std::initializer_list<const char*> path) {
  const json* p = &j;
  for (const char* k : path) {
    if (!p->is_object() || !p->contains(k)) return 0;
    p = &(*p)[k];
  }
  if (p->is_number_unsigned()) return p->get<uint64_t>();
  if (p->is_number_integer()) return static_cast<uint64_t>(std::max<int64_t>(0, p->get<int64_t>()));
  return 0;
}

json StatsHeaders() {
  return {{"Container", "CONTAINER"},
          {"Name", "NAME"},
          {"ID", "CONTAINER ID"},
          {"CPUPerc", "CPU %"},
          {"MemUsage", "MEM USAGE / LIMIT"},
          {"MemPerc", "MEM %"},
          {"NetIO", "NET I/O"},
          {"BlockIO", "BLOCK I/O"},
          {"PIDs", "PIDS"}};
}

std::vector<std::string> SplitTabs(const std::string& s) {
  std::vector<std::string> cells;
  size_t b = 0, t;
  while ((t = s.find('\t', b)) != std::string::npos) {
    cells.push_back(s.substr(b, t - b));
    b = t + 1;
  }
  cells.push_back(s.substr(b));
  return cells;
}

// The table (or the template's lines) for the stats collected so far, in
// the order the containers were named.
Result<std::string> Render(std::string tmpl, const std::vector<std::string>& order,
                           const std::map<std::string, json>& fields) {
  if (tmpl.empty() || tmpl == "table")
    tmpl =
        "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t"
        "{{.BlockIO}}\t{{.PIDs}}";
  bool table = tmpl.starts_with("table");
  if (table) tmpl = tmpl.substr(tmpl.size() > 5 && tmpl[5] == ' ' ? 6 : 5);
  std::vector<std::vector<std::string>> rows;
  std::string out;
  if (table) rows.push_back(SplitTabs(TRY(RenderGoTemplate(tmpl, StatsHeaders()))));
  for (const std::string& c : order) {
    auto it = fields.find(c);
    if (it == fields.end()) continue;
    std::string line = TRY(RenderGoTemplate(tmpl, it->second));
    if (table)
      rows.push_back(SplitTabs(line));
    else
      out += line + "\n";
  }
  return table ? FormatTable(rows, 10) : out;
}

}  // namespace

std::string BinarySize(double bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int i = 0;
  while (bytes >= 1024.0 && i < 6) {
    bytes /= 1024.0;
    i++;
  }
  return fmt::format("{:.4g}{}", bytes, kUnits[i]);
}

json StatsFields(const json& s, const std::string& container, bool no_trunc) {
  // CPU %: the container's share of the host's CPU time since the
  // previous sample, times the CPUs (docker's calculateCPUPercentUnix).
  double cpu_delta = static_cast<double>(U(s, {"cpu_stats", "cpu_usage", "total_usage"})) -
                     static_cast<double>(U(s, {"precpu_stats", "cpu_usage", "total_usage"}));
  double system_delta = static_cast<double>(U(s, {"cpu_stats", "system_cpu_usage"})) -
                        static_cast<double>(U(s, {"precpu_stats", "system_cpu_usage"}));
  double cpus = static_cast<double>(U(s, {"cpu_stats", "online_cpus"}));
  if (cpus == 0 && s.contains("cpu_stats") && s["cpu_stats"].contains("cpu_usage") &&
      s["cpu_stats"]["cpu_usage"].contains("percpu_usage") &&
      s["cpu_stats"]["cpu_usage"]["percpu_usage"].is_array())
    cpus = static_cast<double>(s["cpu_stats"]["cpu_usage"]["percpu_usage"].size());
  double cpu = system_delta > 0 && cpu_delta > 0 ? cpu_delta / system_delta * cpus * 100.0 : 0;

  // Memory: usage less the inactive page cache (v1's total_inactive_file,
  // v2's inactive_file), as docker's CLI counts it.
  double mem = static_cast<double>(U(s, {"memory_stats", "usage"}));
  const json* stats = s.contains("memory_stats") && s["memory_stats"].contains("stats")
                          ? &s["memory_stats"]["stats"]
                          : nullptr;
  if (stats && stats->is_object()) {
    if (stats->contains("total_inactive_file")) {
      double v = static_cast<double>(U(*stats, {"total_inactive_file"}));
      if (v < mem) mem -= v;
    } else if (stats->contains("inactive_file")) {
      double v = static_cast<double>(U(*stats, {"inactive_file"}));
      if (v < mem) mem -= v;
    }
  }
  double limit = static_cast<double>(U(s, {"memory_stats", "limit"}));
  double mem_perc = limit > 0 ? mem / limit * 100.0 : 0;

  double rx = 0, tx = 0;
  if (s.contains("networks") && s["networks"].is_object())
    for (const auto& [name, n] : s["networks"].items()) {
      rx += static_cast<double>(U(n, {"rx_bytes"}));
      tx += static_cast<double>(U(n, {"tx_bytes"}));
    }
  double read = 0, write = 0;
  if (s.contains("blkio_stats") && s["blkio_stats"].contains("io_service_bytes_recursive") &&
      s["blkio_stats"]["io_service_bytes_recursive"].is_array())
    for (const json& e : s["blkio_stats"]["io_service_bytes_recursive"]) {
      std::string op = e.is_object() ? e.value("op", "") : "";
      if (op.empty()) continue;
      if (op[0] == 'R' || op[0] == 'r') read += static_cast<double>(U(e, {"value"}));
      if (op[0] == 'W' || op[0] == 'w') write += static_cast<double>(U(e, {"value"}));
    }
  std::string id = StrField(s, "id");
  std::string name = StrField(s, "name");
  if (!name.empty() && name[0] == '/') name = name.substr(1);
  return {{"Container", container},
          {"Name", name},
          {"ID", no_trunc ? id : id.substr(0, 12)},
          {"CPUPerc", fmt::format("{:.2f}%", cpu)},
          {"MemUsage", BinarySize(mem) + " / " + BinarySize(limit)},
          {"MemPerc", fmt::format("{:.2f}%", mem_perc)},
          {"NetIO", HumanSize3(rx) + " / " + HumanSize3(tx)},
          {"BlockIO", HumanSize3(read) + " / " + HumanSize3(write)},
          {"PIDs", std::to_string(U(s, {"pids_stats", "current"}))}};
}

void AddStatsCommand(CLI::App& parent, ClientOptions& o, ClientAction* a) {
  struct Flags {
    bool all = false, no_stream = false, no_trunc = false;
    std::string format;
    std::vector<std::string> containers;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = parent.add_subcommand(
      "stats", "Display a live stream of container(s) resource usage statistics");
  cmd->add_flag("-a,--all", f->all, "show all containers (default shows just running)");
  cmd->add_flag("--no-stream", f->no_stream,
                "disable streaming stats and only pull the first result");
  cmd->add_flag("--no-trunc", f->no_trunc, "do not truncate output");
  cmd->add_option("--format", f->format, "pretty-print stats using a Go template");
  cmd->add_option("CONTAINER", f->containers, "containers");
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      // The containers: those named, else the running ones (all with -a),
      // listed again at each redraw of a stream so that containers started
      // meanwhile appear and removed (or, without -a, stopped) ones go, as
      // docker's CLI follows them.
      bool follow = f->containers.empty();
      auto list = [&o, f]() -> Result<std::vector<std::string>> {
        auto r = o.Client().Call("GET", f->all ? "/containers/json?all=1" : "/containers/json");
        if (!r) return std::unexpected(std::move(r).error());
        if (r->status != 200) return Fail("Error response from daemon: {}", r->ErrorMessage());
        std::vector<std::string> ids;
        json all = json::parse(r->body, nullptr, false);
        if (all.is_array())
          for (const json& c : all) ids.push_back(StrField(c, "Id").substr(0, 12));
        return ids;
      };
      std::vector<std::string> names = f->containers;
      if (follow) {
        auto ids = list();
        if (!ids) return LocalError(ids.error());
        names = *ids;
      }
      // What the per-container threads collect; shared with them, since a
      // streaming one only ends with the process.
      struct Collected {
        std::mutex mu;
        std::condition_variable cv;
        std::map<std::string, json> fields;
        std::map<std::string, std::string> errors;
        size_t ended = 0;
      };
      auto c = std::make_shared<Collected>();
      auto watch = [c, f, &o](const std::string& name) {
        std::thread([c, f, &o, name] {
          std::string q = ContainerPath(name) + "/stats?stream=" + (f->no_stream ? "0" : "1");
          auto r = o.Client().Stream("GET", q, [&](std::string_view line) -> Status {
            json s = json::parse(line, nullptr, false);
            if (s.is_object()) {
              std::lock_guard lock(c->mu);
              c->fields[name] = StatsFields(s, name, f->no_trunc);
            }
            return Ok();
          });
          std::lock_guard lock(c->mu);
          if (!r)
            c->errors[name] = r.error().What();
          else if (r->status != 200)
            c->errors[name] = "Error response from daemon: " + r->ErrorMessage();
          c->ended++;
          c->cv.notify_all();
        }).detach();
      };
      for (const std::string& name : names) watch(name);
      std::unique_lock lock(c->mu);
      if (f->no_stream) {
        c->cv.wait(lock, [&] { return c->ended == names.size(); });
        for (const std::string& name : names)
          if (c->errors.count(name)) {
            std::fprintf(stderr, "%s\n", c->errors[name].c_str());
            return 1;
          }
        auto text = Render(f->format, names, c->fields);
        if (!text) return LocalError(text.error());
        std::fputs(text->c_str(), stdout);
        return 0;
      }
      // Streamed: the screen redrawn every half second until interrupted
      // (or, for named containers, every stream has failed).
      bool tty = ::isatty(1) == 1;
      for (;;) {
        c->cv.wait_for(lock, std::chrono::milliseconds(500));
        if (follow) {
          lock.unlock();
          auto ids = list();
          lock.lock();
          // The daemon gone (or failing): the stream ends, as docker's does.
          if (!ids) return LocalError(ids.error());
          for (const std::string& id : *ids)
            if (std::find(names.begin(), names.end(), id) == names.end()) {
              names.push_back(id);
              watch(id);
            }
          std::erase_if(names, [&](const std::string& n) {
            if (std::find(ids->begin(), ids->end(), n) != ids->end()) return false;
            c->fields.erase(n);
            return true;
          });
        } else if (!names.empty() && c->errors.size() == names.size()) {
          for (const auto& [n, e] : c->errors) std::fprintf(stderr, "%s\n", e.c_str());
          return 1;
        }
        auto text = Render(f->format, names, c->fields);
        if (!text) return LocalError(text.error());
        if (tty) std::fputs("\033[2J\033[H", stdout);
        std::fputs(text->c_str(), stdout);
        std::fflush(stdout);
      }
    };
  });
}

}  // namespace berth::cli
