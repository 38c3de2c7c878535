// berth login [SERVER]: checks a user's credentials through the daemon
// (POST /auth) and stores them in docker's config.json, as docker 20.10's
// CLI does, so that later pulls and pushes send them (X-Registry-Auth) and
// docker and berth share logins. Credential helpers (credsStore) are not
// run: the login goes to the file's "auths".
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <optional>

#include <nlohmann/json.hpp>

#include "cli/client/commands.h"
#include "cli/client/json_fields.h"
#include "spec/docker_config.h"

namespace berth::cli {
namespace {

constexpr const char* kHubServer = "https://index.docker.io/v1/";

struct LoginFlags {
  std::string server;
  std::string username;
  std::string password;
  bool password_stdin = false;
};

std::string Trim(std::string s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.pop_back();
  size_t start = s.find_first_not_of(" \t");
  return start == std::string::npos ? "" : s.substr(start);
}

// One line from stdin without its line ending, read a byte at a time so
// nothing past the line is consumed (a password may follow on the next).
std::string ReadLine() {
  std::string line;
  char c;
  while (::read(0, &c, 1) == 1 && c != '\n') line += c;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// What --password-stdin reads: all of stdin, less one trailing newline
// (echo adds it; a password may well end in other whitespace).
Result<std::string> ReadAllStdin() {
  std::string all;
  char buf[4096];
  while (true) {
    ssize_t n = ::read(0, buf, sizeof buf);
    if (n < 0) return FailErrno("read password from stdin");
    if (n == 0) break;
    all.append(buf, static_cast<size_t>(n));
  }
  if (all.ends_with('\n')) all.pop_back();
  if (all.ends_with('\r')) all.pop_back();
  return all;
}

// Reads a password from the terminal on stdin with echo off. Echo goes
// off before the prompt shows, so a password typed ahead is not echoed.
std::string ReadPassword() {
  termios saved;
  bool restore = ::tcgetattr(0, &saved) == 0;
  if (restore) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(0, TCSANOW, &quiet);
  }
  std::printf("Password: ");
  std::fflush(stdout);
  std::string password = ReadLine();
  if (restore) ::tcsetattr(0, TCSANOW, &saved);
  std::printf("\n");
  return password;
}

// docker's ConfigureAuth: fills in what the flags left out by asking on
// the terminal, refusing to ask anything of a pipe.
Result<spec::Credentials> AskCredentials(const LoginFlags& f, const std::string& stored_user,
                                         bool hub) {
  if (f.password.empty() && ::isatty(0) != 1)
    return Fail("Error: Cannot perform an interactive login from a non TTY device");
  std::string user = Trim(f.username);
  if (user.empty()) {
    if (hub)
      std::printf(
          "Login with your Docker ID to push and pull images from Docker Hub. If you don't "
          "have a Docker ID, head over to https://hub.docker.com to create one.\n");
    if (stored_user.empty())
      std::printf("Username: ");
    else
      std::printf("Username (%s): ", stored_user.c_str());
    std::fflush(stdout);
    user = Trim(ReadLine());
    if (user.empty()) user = stored_user;
  }
  if (user.empty()) return Fail("Error: Non-null Username Required");
  std::string password = f.password;
  if (password.empty()) {
    password = ReadPassword();
    if (password.empty()) return Fail("Error: Password Required");
  }
  return spec::Credentials{user, password, ""};
}

// POST /auth: the daemon checks the credentials against the registry.
Result<ApiResponse> CheckLogin(ClientOptions& o, const std::string& server,
                               const spec::Credentials& c) {
  nlohmann::json body = {
      {"username", c.username}, {"password", c.password}, {"serveraddress", server}};
  return o.Client().Call("POST", "/auth", body.dump(), {{"Content-Type", "application/json"}});
}

int RunLogin(ClientOptions& o, LoginFlags f) {
  // Flags first: docker warns about -p before anything else can fail.
  if (!f.password.empty()) {
    std::fprintf(stderr,
                 "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
    if (f.password_stdin) {
      std::fprintf(stderr, "--password and --password-stdin are mutually exclusive\n");
      return 1;
    }
  }
  if (f.password_stdin) {
    if (f.username.empty()) {
      std::fprintf(stderr, "Must provide --username with --password-stdin\n");
      return 1;
    }
    auto password = ReadAllStdin();
    if (!password) return LocalError(password.error());
    f.password = std::move(*password);
  }

  // The Hub goes by its historical key; other registries by host[:port].
  bool hub = f.server.empty() || spec::CredentialKey(f.server) == kHubServer;
  std::string server = hub ? kHubServer : spec::CredentialKey(f.server);
  std::string config_path = spec::DefaultDockerConfigPath();
  auto config = spec::DockerConfig::Load(config_path);
  if (!config) return LocalError(config.error());
  std::optional<spec::Credentials> stored = config->Find(server);

  // With no flags, a stored password is tried again before asking for one.
  std::optional<ApiResponse> ok;
  if (f.username.empty() && f.password.empty() && stored && !stored->username.empty() &&
      !stored->password.empty()) {
    std::printf("Authenticating with existing credentials...\n");
    std::fflush(stdout);
    auto r = CheckLogin(o, server, *stored);
    if (r && r->status / 100 == 2) {
      ok = std::move(*r);
    } else if (r && r->status == 401) {
      std::fprintf(stderr, "Stored credentials invalid or expired\n");
    } else {
      std::string why = r ? "Error response from daemon: " + r->ErrorMessage() : r.error().What();
      std::fprintf(stderr, "Login did not succeed, error: %s\n", why.c_str());
    }
  }
  spec::Credentials creds = ok ? *stored : spec::Credentials{};
  if (!ok) {
    auto asked = AskCredentials(f, stored ? Trim(stored->username) : "", hub);
    if (!asked) return LocalError(asked.error());
    creds = std::move(*asked);
    auto r = CheckLogin(o, server, creds);
    if (!r) return LocalError(r.error());
    if (r->status / 100 != 2) return DaemonError(*r);
    ok = std::move(*r);
  }

  // A registry that hands out an identity token gets the token stored
  // instead of the password, as docker stores it.
  auto answer = nlohmann::json::parse(ok->body, nullptr, false);
  if (std::string token = StrField(answer, "IdentityToken"); !token.empty()) {
    creds.password.clear();
    creds.identity_token = token;
  }
  if (!creds.password.empty())
    std::fprintf(stderr,
                 "WARNING! Your password will be stored unencrypted in %s.\n"
                 "Configure a credential helper to remove this warning. See\n"
                 "https://docs.docker.com/engine/reference/commandline/login/#credentials-store\n"
                 "\n",
                 config_path.c_str());
  config->Store(server, creds);
  if (auto st = config->Save(config_path); !st) {
    std::fprintf(stderr, "Error saving credentials: %s\n", st.error().What().c_str());
    return 1;
  }
  if (std::string status = StrField(answer, "Status"); !status.empty())
    std::printf("%s\n", status.c_str());
  return 0;
}

}  // namespace

void AddLoginCommand(CLI::App& parent, ClientOptions& o, ClientAction* a) {
  auto* cmd = parent.add_subcommand("login", "Log in to a Docker registry");
  auto f = std::make_shared<LoginFlags>();
  cmd->add_option("SERVER", f->server, "registry (default: Docker Hub)");
  cmd->add_option("-u,--username", f->username, "Username");
  cmd->add_option("-p,--password", f->password, "Password");
  cmd->add_flag("--password-stdin", f->password_stdin, "Take the password from stdin");
  cmd->callback([&o, a, f] { *a = [&o, f]() -> int { return RunLogin(o, *f); }; });
}

}  // namespace berth::cli
