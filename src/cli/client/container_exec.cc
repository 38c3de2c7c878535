// berth exec [-i] [-t] [-d] [-e K=V] [--env-file F] [-u U] [-w DIR]
// [--detach-keys K] CONTAINER COMMAND [ARG...]: POST
// /containers/{id}/exec, then POST /exec/{id}/start (hijacked unless -d),
// and exit with the process's ExitCode from GET /exec/{id}/json, as
// docker's CLI does. A command the daemon cannot start is reported in the
// output stream by the daemon itself; its exit code is the daemon's too.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "cli/client/attach_stream.h"
#include "cli/client/container_each.h"
#include "cli/client/container_format.h"
#include "cli/client/json_fields.h"

namespace berth::cli {

using nlohmann::json;

void AddExecCommand(CLI::App& parent, ClientOptions& o, ClientAction* a) {
  struct Flags {
    bool interactive = false, tty = false, detach = false, privileged = false;
    std::vector<std::string> env, env_files;
    std::string user, workdir, detach_keys;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = parent.add_subcommand("exec", "Run a command in a running container");
  // CONTAINER COMMAND [ARG...]: flags end at CONTAINER (the command's own
  // flags are its own).
  cmd->prefix_command();
  cmd->add_flag("-i,--interactive", f->interactive, "keep STDIN open even if not attached");
  cmd->add_flag("-t,--tty", f->tty, "allocate a pseudo-TTY");
  cmd->add_flag("-d,--detach", f->detach, "detached mode: run command in the background");
  cmd->add_flag("--privileged", f->privileged, "give extended privileges to the command");
  cmd->add_option("-e,--env", f->env, "set environment variables")->allow_extra_args(false);
  cmd->add_option("--env-file", f->env_files, "read in a file of environment variables")
      ->allow_extra_args(false);
  cmd->add_option("-u,--user", f->user, "username or UID (format: <name|uid>[:<group|gid>])");
  cmd->add_option("-w,--workdir", f->workdir, "working directory inside the container");
  cmd->add_option("--detach-keys", f->detach_keys, "override the key sequence for detaching");
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      std::vector<std::string> rest = cmd->remaining();
      if (!rest.empty() && rest[0].starts_with("-")) {
        std::string flag = rest[0].substr(0, rest[0].find('='));
        if (flag.starts_with("--"))
          std::fprintf(stderr, "unknown flag: %s\n", flag.c_str());
        else
          std::fprintf(stderr, "unknown shorthand flag: '%c' in %s\n",
                       flag.size() > 1 ? flag[1] : '-', flag.c_str());
        std::fprintf(stderr, "See 'berth exec --help'.\n");
        return 125;
      }
      if (rest.size() < 2) {
        std::fprintf(stderr,
                     "\"berth exec\" requires at least 2 arguments.\nSee 'berth exec --help'.\n");
        return 125;
      }
      std::string container = rest[0];
      std::vector<std::string> argv(rest.begin() + 1, rest.end());

      // Env files first, then -e (a bare VAR takes the client's value).
      auto lookup = [](const std::string& k) { return std::getenv(k.c_str()); };
      json env = json::array();
      for (const std::string& path : f->env_files) {
        auto content = ReadFile(path);
        if (!content) {
          std::fprintf(stderr, "open %s: no such file or directory\n", path.c_str());
          return 125;
        }
        auto vars = ParseEnvFile(*content, lookup);
        if (!vars) {
          std::fprintf(stderr, "%s\n", vars.error().What().c_str());
          return 125;
        }
        for (const std::string& v : *vars) env.push_back(v);
      }
      for (const std::string& e : f->env) {
        const char* v = e.find('=') == std::string::npos ? lookup(e) : nullptr;
        env.push_back(v ? e + "=" + v : e);
      }

      bool attach_stdin = f->interactive && !f->detach;
      if (attach_stdin && f->tty && !::isatty(0)) {
        std::fprintf(stderr, "the input device is not a TTY\n");
        return 1;
      }
      // The exec config docker's CLI sends.
      json body = {
          {"User", f->user},
          {"Privileged", f->privileged},
          {"Tty", f->tty},
          {"AttachStdin", attach_stdin},
          {"AttachStderr", !f->detach},
          {"AttachStdout", !f->detach},
          {"Detach", f->detach},
          {"DetachKeys", f->detach_keys},
          {"Env", env},
          {"WorkingDir", f->workdir},
          {"Cmd", argv},
      };
      ApiClient client = o.Client();
      auto created = client.Call("POST", ContainerPath(container) + "/exec", body.dump());
      if (!created) return LocalError(created.error());
      if (created->status / 100 != 2) return DaemonError(*created);
      std::string exec_id = StrField(json::parse(created->body, nullptr, false), "Id");
      if (exec_id.empty()) {
        std::fprintf(stderr, "exec ID empty\n");
        return 1;
      }
      std::string exec_path = "/exec/" + UrlEncode(exec_id);
      json start = {{"Detach", f->detach}, {"Tty", f->tty}};
      if (f->detach) {
        auto r = client.Call("POST", exec_path + "/start", start.dump());
        if (!r) return LocalError(r.error());
        return r->status / 100 == 2 ? 0 : DaemonError(*r);
      }

      auto conn = client.Hijack("POST", exec_path + "/start", start.dump());
      if (!conn) return LocalError(conn.error());
      if (!conn->Upgraded()) return DaemonError(conn->response);
      std::string keys(kDefaultDetachKeys);
      if (!f->detach_keys.empty())
        if (auto k = ParseDetachKeys(f->detach_keys)) keys = *k;
      StreamOptions so;
      so.tty = f->tty;
      so.send_stdin = attach_stdin;
      so.detach_keys = keys;
      if (f->tty) {
        SendTerminalSize(client, exec_path + "/resize");
        so.on_resize = [&client, exec_path] { SendTerminalSize(client, exec_path + "/resize"); };
      }
      auto end = StreamContainerIo(*conn, so);
      if (!end) return LocalError(end.error());
      if (*end == StreamEnd::kDetached) {
        std::fprintf(stderr, "read escape sequence\n");
        return 1;
      }
      // The exit code of the process, as the daemon recorded it (a daemon
      // may close the stream a moment before it notes the exit).
      for (int tries = 0;; tries++) {
        auto info = client.Call("GET", exec_path + "/json");
        if (!info) return LocalError(info.error());
        if (info->status != 200) return DaemonError(*info);
        auto j = json::parse(info->body, nullptr, false);
        bool running = j.is_object() && j.contains("Running") && j["Running"].is_boolean() &&
                       j["Running"].get<bool>();
        if (!running || tries == 50) return static_cast<int>(IntField(j, "ExitCode"));
        ::usleep(20000);
      }
    };
  });
}

}  // namespace berth::cli
