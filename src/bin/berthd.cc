// berthd: the daemon. Serves the Docker Engine API on a unix socket
// (default /run/berth/berth.sock) over the engine's services.
//
// Start-up, step by step: flags over daemon.json; the data root, locked so
// that one daemon owns it; the engine's stores, made consistent whatever
// instant the last daemon died at; the API socket; then serve until
// SIGTERM or SIGINT.
#include <fcntl.h>
#include <malloc.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include "api/routes.h"
#include "api/unix_server.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/unique_fd.h"
#include "engine/container_service.h"
#include "engine/container_spec.h"
#include "engine/daemon_config.h"
#include "engine/event_bus.h"
#include "engine/image_service.h"

namespace {

using namespace berth;

constexpr const char* kDefaultConfigFile = "/etc/berth/daemon.json";

// The daemon's ID, kept under the data root so it survives restarts.
Result<std::string> DaemonId(const std::string& data_root) {
  std::string path = data_root + "/engine-id";
  if (auto id = ReadFile(path); id && !id->empty()) return *id;
  unsigned char raw[16];
  if (::getrandom(raw, sizeof raw, 0) != sizeof raw) return FailErrno("getrandom");
  std::string id;
  for (int i = 0; i < 16; i++)
    id += fmt::format("{}{:02x}", i == 4 || i == 6 || i == 8 || i == 10 ? "-" : "", raw[i]);
  TRY(WriteFileAtomic(path, id, 0600));
  return id;
}

// berth-shim: beside berthd's own binary (a build tree, an install), else
// on PATH.
Result<std::string> SiblingBinary(const std::string& name) {
  char self[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    std::string dir(self, static_cast<size_t>(n));
    dir = dir.substr(0, dir.rfind('/'));
    std::string path = dir + "/" + name;
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  const char* path_env = std::getenv("PATH");
  std::string paths = path_env ? path_env : "/usr/local/bin:/usr/bin:/bin";
  for (size_t pos = 0; pos <= paths.size();) {
    size_t colon = paths.find(':', pos);
    if (colon == std::string::npos) colon = paths.size();
    std::string path = paths.substr(pos, colon - pos) + "/" + name;
    if (::access(path.c_str(), X_OK) == 0) return path;
    pos = colon + 1;
  }
  return Fail("{} not found beside berthd or on PATH", name);
}

Status Run(engine::DaemonConfig cfg) {
  // Logs go to stderr; --debug (or "debug" in daemon.json) adds the
  // engine's step-by-step lines, such as each layer's pull timings.
  TRY(log::Configure("", log::Format::kText, cfg.debug));

  // 1. The data root, owned by this daemon alone.
  TRY(MkdirAll(cfg.data_root, 0711));
  TRY(MkdirAll(cfg.exec_root, 0711));
  std::string lock_path = cfg.data_root + "/berthd.lock";
  UniqueFd lock(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lock) return FailErrno("open {}", lock_path);
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0)
    return Fail("data root {} is in use by another berthd", cfg.data_root);

  // 2. The engine's services.
  image::PullOptions pull;
  pull.max_concurrent = cfg.max_concurrent_downloads;
  pull.registry.insecure_registries = cfg.insecure_registries;
  pull.registry.mirrors = cfg.registry_mirrors;
  auto images =
      TRY_CTX(engine::ImageService::Open(cfg.data_root, pull), "data root {}", cfg.data_root);

  // docker events: what the engine does, kept for `since` and streamed.
  // Never destroyed, as the containers' monitors publish until the end.
  engine::EventBus& events = *new engine::EventBus;
  auto publish = [&events](const engine::ContainerEvent& e) {
    events.Publish(
        {.type = "container", .action = e.action, .actor_id = e.id, .attributes = e.attributes});
  };
  // The containers: reconnected to the shims of those still running.
  engine::ContainerServiceOptions copts;
  copts.data_root = cfg.data_root;
  copts.exec_root = cfg.exec_root;
  copts.shim_binary = TRY(SiblingBinary("berth-shim"));
  copts.init_binary = engine::FindInitBinary();
  // Never destroyed: monitor threads use it until the process exits, and
  // the containers themselves outlive berthd.
  engine::ContainerService* containers =
      TRY_CTX(engine::ContainerService::Open(copts, *images, publish), "containers").release();

  // 3. The API.
  api::ApiContext ctx;
  ctx.images = images.get();
  ctx.containers = containers;
  ctx.events = &events;
  ctx.config = cfg;
  ctx.daemon_id = TRY(DaemonId(cfg.data_root));
  api::Router router;
  api::AddSystemRoutes(router, ctx);
  api::AddImageRoutes(router, ctx);
  api::AddContainerRoutes(router, ctx);
  api::AddExecRoutes(router, ctx);
  api::AddEventRoutes(router, ctx);

  // --- resources and update ---
  api::AddUpdateRoutes(router, ctx);

  // --- security options and userns-remap ---
  containers->SetUsernsRemap(TRY(engine::ResolveUsernsRemap(cfg.userns_remap)));

  // --- volumes, binds, tmpfs ---
  // The volumes: their records in berth.db, their data under volumes/.
  // Never destroyed, as the containers' monitors may release volumes
  // until the end.
  engine::VolumeService* volumes =
      TRY_CTX(engine::VolumeService::Open(images->db(), cfg.data_root), "volumes").release();
  containers->SetVolumes(volumes);
  ctx.volumes = volumes;
  api::AddVolumeRoutes(router, ctx);

  // --- restart policies, health checks, stats ---
  api::AddStatsRoutes(router, ctx);

  // --- cp and commit ---
  api::AddArchiveRoutes(router, ctx);
  auto server = TRY(api::UnixServer::Listen(cfg.socket_path, router));
  std::string pid_path = cfg.exec_root + "/berthd.pid";
  TRY(WriteFileAtomic(pid_path, std::to_string(::getpid()), 0644));

  // 4. Serve until a signal. Signals are taken synchronously by one thread
  // (blocked everywhere else), which stops the accept loop.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  // The signal thread also hands freed memory back to the kernel every
  // few seconds: a pull or a burst of containers leaves megabytes free in
  // malloc's heap that an idle daemon should not keep resident.
  std::thread waiter([&] {
    timespec period{5, 0};
    for (;;) {
      int sig = ::sigtimedwait(&set, nullptr, &period);
      if (sig == SIGTERM || sig == SIGINT) break;
      ::malloc_trim(0);
    }
    server->Stop();
  });
  std::fprintf(stderr, "berthd: API listening on %s\n", cfg.socket_path.c_str());
  server->Serve();
  waiter.join();
  ::unlink(pid_path.c_str());
  std::fprintf(stderr, "berthd: stopped\n");
  return Ok();
}

}  // namespace

int main(int argc, char** argv) {
  // One malloc arena per API thread and container monitor would keep
  // each one's free memory resident; two are enough for berthd's load.
  ::mallopt(M_ARENA_MAX, 2);
  CLI::App app{"berthd: the berth container engine daemon (Docker Engine API)"};
  engine::DaemonConfig flags;
  std::string config_file = kDefaultConfigFile, host;
  std::vector<std::string> insecure, mirrors;
  bool tls_verify = false;
  std::string tls_ca, tls_cert, tls_key;
  app.add_option("--config-file", config_file, "daemon configuration file");
  app.add_option("--data-root", flags.data_root, "root of persistent state");
  app.add_option("--exec-root", flags.exec_root, "root of run-time state");
  app.add_option("-H,--host", host, "socket to listen on (unix:///path)");
  // dockerd's TLS flags, so that a TCP setup written for dockerd gets the
  // refusal below rather than an unknown-flag error.
  app.add_flag("--tlsverify", tls_verify, "(TCP with mutual TLS: not served yet)");
  app.add_option("--tlscacert", tls_ca, "(TCP with mutual TLS: not served yet)");
  app.add_option("--tlscert", tls_cert, "(TCP with mutual TLS: not served yet)");
  app.add_option("--tlskey", tls_key, "(TCP with mutual TLS: not served yet)");
  app.add_option("--insecure-registry", insecure, "registry reachable over plain HTTP");
  app.add_option("--registry-mirror", mirrors, "Docker Hub mirror");
  app.add_option("--max-concurrent-downloads", flags.max_concurrent_downloads)
      ->check(CLI::Range(1, 64));
  app.add_flag("-D,--debug", flags.debug);
  app.add_option("--userns-remap", flags.userns_remap, "user/group for user namespaces");
  CLI11_PARSE(app, argc, argv);

  // daemon.json first, then the flags given on the command line over it.
  engine::DaemonConfig cfg;
  struct stat st;
  if (config_file != kDefaultConfigFile || ::stat(config_file.c_str(), &st) == 0) {
    if (auto s = engine::LoadDaemonConfigFile(config_file, cfg); !s) {
      std::fprintf(stderr, "berthd: %s\n", s.error().What().c_str());
      return 1;
    }
  }
  if (app.count("--data-root")) cfg.data_root = flags.data_root;
  if (app.count("--exec-root")) cfg.exec_root = flags.exec_root;
  if (app.count("--max-concurrent-downloads"))
    cfg.max_concurrent_downloads = flags.max_concurrent_downloads;
  if (app.count("--debug")) cfg.debug = true;
  if (app.count("--userns-remap")) cfg.userns_remap = flags.userns_remap;
  cfg.insecure_registries.insert(cfg.insecure_registries.end(), insecure.begin(), insecure.end());
  cfg.registry_mirrors.insert(cfg.registry_mirrors.end(), mirrors.begin(), mirrors.end());
  // Refused before anything is created (see SetListenAddress).
  if (!host.empty()) {
    if (auto s = engine::SetListenAddress(cfg, host, "--host"); !s) {
      std::fprintf(stderr, "berthd: %s\n", s.error().What().c_str());
      return 1;
    }
  }
  if (tls_verify || !tls_ca.empty() || !tls_cert.empty() || !tls_key.empty()) {
    std::fprintf(stderr,
                 "berthd: --tlsverify, --tlscacert, --tlscert, --tlskey: mutual TLS is for TCP "
                 "listeners, which berthd does not serve yet; it listens on unix:// sockets\n");
    return 1;
  }
  if (cfg.socket_path.empty()) cfg.socket_path = cfg.exec_root + "/berth.sock";

  std::signal(SIGPIPE, SIG_IGN);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  if (auto s = Run(cfg); !s) {
    std::fprintf(stderr, "berthd: %s\n", s.error().What().c_str());
    return 1;
  }
  return 0;
}
