// berth create [OPTIONS] IMAGE [COMMAND] [ARG...]: POST /containers/create
// with the body docker's CLI builds, pulling the image first when the
// daemon answers "No such image", then printing the new container's ID.
#include "cli/client/container_create.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "cli/client/container_format.h"
#include "cli/client/image_names.h"
#include "cli/client/json_fields.h"
#include "cli/client/json_message.h"
#include "cli/client/stored_logins.h"

namespace berth::cli {

using nlohmann::json;

void ReportRunError(const std::string& cmd_name, std::string msg) {
  while (!msg.empty() && (msg.back() == '.' || msg.back() == '\n')) msg.pop_back();
  std::fprintf(stderr, "berth: %s.\nSee 'berth %s --help'.\n", msg.c_str(), cmd_name.c_str());
}

void AddCreateFlags(CLI::App* cmd, const std::shared_ptr<CreateFlags>& f) {
  // docker stops reading flags at IMAGE: what follows is the command.
  // IMAGE is not a CLI11 positional: everything from the first word that
  // is not a known flag lands in remaining(), read by TakeImageAndArgs.
  cmd->prefix_command();
  // -h is docker's --hostname here; help is --help only.
  cmd->set_help_flag("--help", "print usage");
  cmd->add_flag("-i,--interactive", f->interactive, "keep STDIN open");
  cmd->add_flag("-t,--tty", f->tty, "allocate a pseudo-TTY");
  cmd->add_flag("--rm", f->rm, "remove the container when it exits");
  cmd->add_option("--name", f->name, "container name");
  cmd->add_option("-e,--env", f->env, "set environment variables")->allow_extra_args(false);
  cmd->add_option("--env-file", f->env_files, "read environment variables from a file")
      ->allow_extra_args(false);
  cmd->add_option("-w,--workdir", f->workdir, "working directory inside the container");
  cmd->add_option("-u,--user", f->user, "username or UID (format: <name|uid>[:<group|gid>])");
  cmd->add_option("--entrypoint", f->entrypoint, "overwrite the image's ENTRYPOINT")
      ->each([f](const std::string&) { f->entrypoint_set = true; });
  cmd->add_option("-h,--hostname", f->hostname, "container host name");
  cmd->add_option("-l,--label", f->labels, "set metadata on a container")->allow_extra_args(false);
  cmd->add_option("--stop-signal", f->stop_signal, "signal to stop the container");
  cmd->add_option("--stop-timeout", f->stop_timeout, "timeout (in seconds) to stop a container")
      ->each([f](const std::string&) { f->stop_timeout_set = true; });
  cmd->add_flag("--init", f->init, "run an init inside the container");
  cmd->add_option("--log-opt", f->log_opts, "log driver options")->allow_extra_args(false);
  cmd->add_option("-a,--attach", f->attach, "attach to STDIN, STDOUT or STDERR")
      ->allow_extra_args(false);
  cmd->add_option("--network,--net", f->network, "connect a container to a network");
  cmd->add_option("--pid", f->pid, "PID namespace to use");
  cmd->add_option("--ipc", f->ipc, "IPC mode to use");
  cmd->add_option("--uts", f->uts, "UTS namespace to use");
  AddResourceFlags(cmd, &f->resources);
  AddSecurityFlags(cmd, &f->security);
  AddStorageFlags(cmd, &f->storage);
  AddLifecycleFlags(cmd, &f->lifecycle);
}

bool TakeImageAndArgs(CLI::App* cmd, CreateFlags& f, const std::string& cmd_name) {
  std::vector<std::string> rest = cmd->remaining();
  if (rest.empty()) {
    std::fprintf(stderr, "\"berth %s\" requires at least 1 argument.\nSee 'berth %s --help'.\n",
                 cmd_name.c_str(), cmd_name.c_str());
    return false;
  }
  // An unknown flag before IMAGE is left here by CLI11; docker refuses it.
  if (rest[0].starts_with("-")) {
    std::string flag = rest[0].substr(0, rest[0].find('='));
    if (flag.starts_with("--"))
      std::fprintf(stderr, "unknown flag: %s\n", flag.c_str());
    else
      std::fprintf(stderr, "unknown shorthand flag: '%c' in %s\n", flag.size() > 1 ? flag[1] : '-',
                   flag.c_str());
    std::fprintf(stderr, "See 'berth %s --help'.\n", cmd_name.c_str());
    return false;
  }
  f.image = rest[0];
  f.args.assign(rest.begin() + 1, rest.end());
  return true;
}

AttachedStreams StreamsToAttach(const CreateFlags& f) {
  AttachedStreams s;
  if (f.detach) return s;
  for (std::string a : f.attach) {
    for (char& c : a) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (a == "stdin") s.in = true;
    if (a == "stdout") s.out = true;
    if (a == "stderr") s.err = true;
  }
  if (f.interactive) s.in = true;
  if (f.attach.empty()) s.out = s.err = true;
  return s;
}

namespace {

// "-e VAR" without "=" takes VAR's value from the client's environment
// (left bare when it has none), as docker's CLI does.
std::string ResolveEnv(const std::string& e,
                       const std::function<const char*(const std::string&)>& lookup) {
  if (e.find('=') != std::string::npos) return e;
  const char* v = lookup ? lookup(e) : nullptr;
  return v ? e + "=" + v : e;
}

json StringMap(const std::vector<std::string>& kvs) {
  json m = json::object();
  for (const std::string& kv : kvs) {
    size_t eq = kv.find('=');
    m[kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
  }
  return m;
}

}  // namespace

Result<json> CreateBody(const CreateFlags& f, const std::vector<std::string>& file_env,
                        const std::function<const char*(const std::string&)>& lookup_env) {
  // Env files first, then -e, so that -e wins (docker's order).
  json env = json::array();
  for (const std::string& e : file_env) env.push_back(e);
  for (const std::string& e : f.env) env.push_back(ResolveEnv(e, lookup_env));
  for (const std::string& o : f.log_opts)
    if (o.find('=') == std::string::npos)
      return Fail("invalid key/value pair format in logging opts: {}", o);
  for (const std::string& m : {f.pid, f.ipc, f.uts})
    if (!m.empty() && m != "host" && !m.starts_with("container:") && m != "private" &&
        m != "shareable" && m != "none")
      return Fail("invalid namespace mode: {}", m);

  for (const std::string& a : f.attach) {
    std::string l = a;
    for (char& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (l != "stdin" && l != "stdout" && l != "stderr")
      return Fail(
          "invalid argument \"{}\" for \"-a, --attach\" flag: valid streams are STDIN, "
          "STDOUT and STDERR",
          a);
  }
  AttachedStreams streams = StreamsToAttach(f);
  json config = {
      {"Hostname", f.hostname},
      {"Domainname", ""},
      {"User", f.user},
      // The streams the client attaches to (none with -d); a container
      // whose stdin is attached has it closed when the client's ends.
      {"AttachStdin", streams.in},
      {"AttachStdout", streams.out},
      {"AttachStderr", streams.err},
      {"Tty", f.tty},
      {"OpenStdin", f.interactive},
      {"StdinOnce", f.interactive && streams.in},
      {"Env", env},
      {"Cmd", f.args.empty() ? json(nullptr) : json(f.args)},
      {"Image", f.image},
      {"Volumes", json::object()},
      {"WorkingDir", f.workdir},
      // --entrypoint "" clears the image's entrypoint: docker sends [""].
      {"Entrypoint", f.entrypoint_set ? json::array({f.entrypoint}) : json(nullptr)},
      {"OnBuild", nullptr},
      {"Labels", StringMap(f.labels)},
  };
  if (!f.stop_signal.empty()) config["StopSignal"] = f.stop_signal;
  if (f.stop_timeout_set) config["StopTimeout"] = f.stop_timeout;

  json host = {
      {"Binds", nullptr},
      {"ContainerIDFile", ""},
      {"LogConfig", {{"Type", ""}, {"Config", StringMap(f.log_opts)}}},
      {"NetworkMode", f.network},
      {"PortBindings", json::object()},
      {"RestartPolicy", {{"Name", "no"}, {"MaximumRetryCount", 0}}},
      {"AutoRemove", f.rm},
      {"IpcMode", f.ipc},
      {"PidMode", f.pid},
      {"UTSMode", f.uts},
  };
  // Init is a pointer in docker's HostConfig: sent only when given.
  if (f.init) host["Init"] = true;
  TRY(AddResourceBody(f.resources, &config, &host));
  TRY(AddSecurityBody(f.security, &config, &host));
  TRY(AddStorageBody(f.storage, &config, &host));
  TRY(AddLifecycleBody(f.lifecycle, &config, &host));
  // The API's body is the Config's fields themselves, with HostConfig and
  // NetworkingConfig beside them.
  json body = config;
  body["HostConfig"] = host;
  body["NetworkingConfig"] = {{"EndpointsConfig", json::object()}};
  return body;
}

namespace {

// docker's pull before a retried create: progress goes to stderr so that
// stdout carries only the container's ID.
Status PullForRun(ClientOptions& o, const std::string& image) {
  ImageName n = SplitImageName(image);
  std::string familiar = n.repository + (n.digest.empty() ? ":" + n.tag : "@" + n.digest);
  std::fprintf(stderr, "Unable to find image '%s' locally\n", familiar.c_str());
  std::string q = "/images/create?fromImage=" + UrlEncode(n.repository) +
                  "&tag=" + UrlEncode(n.digest.empty() ? n.tag : n.digest);
  JsonMessageRenderer render(stderr, ::isatty(2) == 1);
  auto r =
      o.Client().Stream("POST", q, [&](std::string_view line) { return render.Render(line); },
                        {{"X-Registry-Auth", RegistryAuthHeader(RegistryDomain(n.repository))}});
  if (!r) return std::unexpected(r.error());
  if (r->status / 100 != 2) return Fail("Error response from daemon: {}", r->ErrorMessage());
  return Ok();
}

}  // namespace

std::optional<std::string> CreateContainer(ClientOptions& o, const CreateFlags& f,
                                           const std::string& cmd_name) {
  std::vector<std::string> file_env;
  for (const std::string& path : f.env_files) {
    auto content = ReadFile(path);
    if (!content) {
      ReportRunError(cmd_name, fmt::format("open {}: no such file or directory", path));
      return std::nullopt;
    }
    auto vars = ParseEnvFile(*content, [](const std::string& k) { return std::getenv(k.c_str()); });
    if (!vars) {
      ReportRunError(cmd_name, vars.error().What());
      return std::nullopt;
    }
    file_env.insert(file_env.end(), vars->begin(), vars->end());
  }
  auto body = CreateBody(f, file_env, [](const std::string& k) { return std::getenv(k.c_str()); });
  if (!body) {
    ReportRunError(cmd_name, body.error().What());
    return std::nullopt;
  }
  std::string q = "/containers/create";
  if (!f.name.empty()) q += "?name=" + UrlEncode(f.name);
  std::string text = body->dump();
  auto r = o.Client().Call("POST", q, text);
  if (r && r->status == 404 && r->ErrorMessage().starts_with("No such image")) {
    auto pulled = PullForRun(o, f.image);
    if (!pulled) {
      ReportRunError(cmd_name, pulled.error().What());
      return std::nullopt;
    }
    r = o.Client().Call("POST", q, text);
  }
  if (!r) {
    ReportRunError(cmd_name, r.error().What());
    return std::nullopt;
  }
  if (r->status != 201 && r->status != 200) {
    ReportRunError(cmd_name, "Error response from daemon: " + r->ErrorMessage());
    return std::nullopt;
  }
  auto j = json::parse(r->body, nullptr, false);
  std::string id = StrField(j, "Id");
  if (j.is_object() && j.contains("Warnings") && j["Warnings"].is_array())
    for (const json& w : j["Warnings"])
      if (w.is_string()) std::fprintf(stderr, "WARNING: %s\n", w.get<std::string>().c_str());
  return id;
}

void AddCreateCommand(CLI::App& parent, ClientOptions& o, ClientAction* a) {
  auto f = std::make_shared<CreateFlags>();
  auto* cmd = parent.add_subcommand("create", "Create a new container");
  AddCreateFlags(cmd, f);
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      if (!TakeImageAndArgs(cmd, *f, "create")) return 125;
      auto id = CreateContainer(o, *f, "create");
      if (!id) return 125;
      std::printf("%s\n", id->c_str());
      return 0;
    };
  });
}

}  // namespace berth::cli
