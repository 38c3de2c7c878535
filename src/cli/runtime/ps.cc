// berth-runtime ps [--format table|json] ID [PS-ARGS...]: the container's
// processes. json: the array of pids in its cgroup. table: the host's `ps`
// run with PS-ARGS (default -ef), keeping its header and the lines of the
// container's pids. As with runc, everything after ID goes to ps (a
// leading "--" is dropped).
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include "cli/runtime/commands.h"

extern char** environ;

namespace berth::cli {
namespace {

// Runs `ps args...`, returning what it wrote to stdout and stderr.
Result<std::string> RunPs(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>("ps"));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return FailErrno("pipe");
  UniqueFd rd(fds[0]), wr(fds[1]);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, wr.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&fa, wr.get(), STDERR_FILENO);
  pid_t pid;
  int err = posix_spawnp(&pid, "ps", &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (err != 0) return FailCode(err, "run ps");
  wr.Reset();
  std::string out;
  char buf[65536];
  ssize_t n;
  while ((n = ::read(rd.get(), buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) out.append(buf, static_cast<size_t>(n));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    // One line: ps's usage text, whitespace runs folded.
    std::string msg;
    for (char c : out) {
      bool space = c == '\n' || c == ' ' || c == '\t';
      if (space && (msg.empty() || msg.back() == ' ')) continue;
      msg += space ? ' ' : c;
    }
    while (!msg.empty() && msg.back() == ' ') msg.pop_back();
    return Fail("ps: exit status {}: {}",
                WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), msg);
  }
  return out;
}

}  // namespace

void AddPs(CLI::App& app, Globals& g, Action* action) {
  auto* cmd = app.add_subcommand("ps", "display the processes running inside a container");
  auto format = std::make_shared<std::string>("table");
  cmd->add_option("-f,--format", *format, "table or json")->check(CLI::IsMember({"table", "json"}));
  // The id and the ps arguments are taken raw: parsing stops at the id, so
  // "ps ID -f" passes -f to ps, as runc does. (Without fallthrough, or
  // CLI11 hands the leftovers to the parent, which rejects them.)
  cmd->prefix_command();
  cmd->fallthrough(false);
  cmd->callback([&g, action, format, cmd] {
    auto rest = cmd->remaining();
    *action = [&g, format, rest] {
      if (rest.empty()) return ReportError(Error(0, "ps: a container id is required"));
      std::string id = rest[0];
      std::vector<std::string> args(rest.begin() + 1, rest.end());
      if (!args.empty() && args[0] == "--") args.erase(args.begin());
      auto pids = runtime::Processes(g.Options(), id);
      if (!pids) return ReportError(pids.error());
      if (*format == "json") {
        std::printf("%s\n", nlohmann::json(*pids).dump().c_str());
        return 0;
      }
      if (args.empty()) args = {"-ef"};
      auto out = RunPs(args);
      if (!out) return ReportError(out.error());
      auto table = runtime::FilterPsOutput(*out, *pids);
      if (!table) return ReportError(table.error());
      std::fputs(table->c_str(), stdout);
      return 0;
    };
  });
}

}  // namespace berth::cli
