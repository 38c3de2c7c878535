// berth events [--since T] [--until T] [-f k=v]... [--format F]: GET
// /events, one line an event as it arrives, until --until passes or the
// user interrupts. The default line is docker's:
// "2026-12-02T10:00:00.123456789Z container start ID (image=bb:1, name=x)".
#include <ctime>

#include <cstdio>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli/client/commands.h"
#include "cli/client/container_format.h"
#include "cli/client/go_template.h"
#include "cli/client/json_fields.h"

namespace berth::cli {

using nlohmann::json;

namespace {

// Go's time.Format with docker's RFC3339NanoFixed layout
// ("2006-01-02T15:04:05.000000000Z07:00") in local time.
std::string EventTime(int64_t nanos) {
  time_t secs = static_cast<time_t>(nanos / 1000000000);
  int64_t frac = nanos % 1000000000;
  struct tm tm {};
  ::localtime_r(&secs, &tm);
  char base[32];
  std::strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string zone = "Z";
  if (tm.tm_gmtoff != 0) {
    long off = tm.tm_gmtoff;
    char sign = off < 0 ? '-' : '+';
    if (off < 0) off = -off;
    zone = fmt::format("{}{:02}:{:02}", sign, off / 3600, off % 3600 / 60);
  }
  return fmt::format("{}.{:09}{}", base, frac, zone);
}

// docker's default line: time, type, action, actor ID and its attributes
// sorted by key (nlohmann keeps object keys sorted).
std::string DefaultLine(const json& e) {
  std::string line;
  int64_t nanos = IntField(e, "timeNano");
  if (nanos == 0) nanos = IntField(e, "time") * 1000000000;
  if (nanos != 0) line = EventTime(nanos) + " ";
  const json actor = e.is_object() && e.contains("Actor") ? e["Actor"] : json::object();
  line += StrField(e, "Type") + " " + StrField(e, "Action") + " " + StrField(actor, "ID");
  if (actor.is_object() && actor.contains("Attributes") && actor["Attributes"].is_object() &&
      !actor["Attributes"].empty()) {
    std::string attrs;
    for (const auto& [k, v] : actor["Attributes"].items())
      attrs += (attrs.empty() ? "" : ", ") + k + "=" + (v.is_string() ? v.get<std::string>() : "");
    line += " (" + attrs + ")";
  }
  return line;
}

// The fields a --format template sees: Go's names of events.Message.
json TemplateData(const json& e) {
  json actor = e.is_object() && e.contains("Actor") ? e["Actor"] : json::object();
  return {
      {"Status", StrField(e, "status")},     {"ID", StrField(e, "id")},
      {"From", StrField(e, "from")},         {"Type", StrField(e, "Type")},
      {"Action", StrField(e, "Action")},     {"Actor", actor},
      {"Scope", StrField(e, "scope")},       {"Time", IntField(e, "time")},
      {"TimeNano", IntField(e, "timeNano")},
  };
}

}  // namespace

void AddEventsCommand(CLI::App& parent, ClientOptions& o, ClientAction* a) {
  struct Flags {
    std::string since, until, format;
    std::vector<std::string> filters;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = parent.add_subcommand("events", "Get real time events from the server");
  cmd->add_option("--since", f->since, "show all events created since timestamp");
  cmd->add_option("--until", f->until, "stream events until this timestamp");
  cmd->add_option("-f,--filter", f->filters, "filter output based on conditions provided")
      ->allow_extra_args(false);
  cmd->add_option("--format", f->format, "format the output using the given Go template");
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      int64_t now = ::time(nullptr);
      std::string q;
      auto add = [&q](const std::string& k, const std::string& v) {
        q += (q.empty() ? "?" : "&") + k + "=" + UrlEncode(v);
      };
      if (!f->since.empty()) add("since", ApiTimestamp(f->since, now));
      if (!f->until.empty()) add("until", ApiTimestamp(f->until, now));
      if (!f->filters.empty()) {
        auto filters = FiltersJson(f->filters);
        if (!filters) {
          std::fprintf(stderr, "invalid argument \"%s\" for \"-f, --filter\" flag: %s\n",
                       f->filters.back().c_str(), filters.error().What().c_str());
          std::fprintf(stderr, "See 'berth events --help'.\n");
          return 125;
        }
        add("filters", *filters);
      }
      auto r = o.Client().Stream("GET", "/events" + q, [&](std::string_view line) -> Status {
        // "{{json .}}" is the daemon's own encoding of the event: the line
        // as it came.
        std::string out;
        if (f->format == "{{json .}}") {
          out = std::string(line);
        } else {
          json e = json::parse(line, nullptr, false);
          if (f->format.empty()) {
            out = DefaultLine(e);
          } else {
            auto rendered = TRY(RenderGoTemplate(f->format, TemplateData(e)));
            out = rendered;
          }
        }
        std::printf("%s\n", out.c_str());
        std::fflush(stdout);
        return Ok();
      });
      if (!r) return LocalError(r.error());
      if (r->status / 100 != 2) return DaemonError(*r);
      return 0;
    };
  });
}

}  // namespace berth::cli
