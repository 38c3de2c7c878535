// Test-only servers for registry tests: a tiny single-threaded HTTP/1.1
// server whose answers a test scripts (fake registries, token servers,
// object storage), and a real registry (Debian's docker-registry) started
// on a free loopback port and killed on destruction.
//
// Header-only so that any test binary of src/image can use them; not part
// of berth_image.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/core.h>

#include "base/error.h"
#include "base/fs.h"

extern char** environ;

namespace berth::image::registry_testing {

// --- a tiny HTTP/1.1 server: one connection at a time, Connection: close ---

struct TinyRequest {
  std::string method, target;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

inline std::string Reply(int status, std::string_view body, std::vector<std::string> headers = {}) {
  std::string out = fmt::format("HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                                status, body.size());
  for (const auto& h : headers) out += h + "\r\n";
  return out + "\r\n" + std::string(body);
}

class TinyHttpServer {
 public:
  using Handler = std::function<std::string(const TinyRequest&)>;
  explicit TinyHttpServer(Handler handler) : handler_(std::move(handler)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      std::abort();
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~TinyHttpServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::string host() const { return fmt::format("127.0.0.1:{}", port_); }
  std::string url() const { return "http://" + host(); }
  std::vector<TinyRequest> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void Loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      Serve(c);
      ::close(c);
    }
  }
  void Serve(int c) {
    std::string in;
    char buf[65536];
    size_t end;
    while ((end = in.find("\r\n\r\n")) == std::string::npos) {
      ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) return;
      in.append(buf, static_cast<size_t>(n));
      if (in[0] == 0x16) return;  // a TLS handshake: this server speaks plain HTTP
    }
    TinyRequest req;
    std::string_view head(in.data(), end);
    auto line_end = head.find("\r\n");
    std::string_view first = head.substr(0, line_end);
    req.method = std::string(first.substr(0, first.find(' ')));
    first.remove_prefix(req.method.size() + 1);
    req.target = std::string(first.substr(0, first.find(' ')));
    while (line_end != std::string_view::npos) {
      head.remove_prefix(line_end + 2);
      line_end = head.find("\r\n");
      std::string_view h = head.substr(0, line_end);
      auto colon = h.find(':');
      if (colon == std::string_view::npos) continue;
      std::string name(h.substr(0, colon));
      for (char& ch : name) ch = static_cast<char>(::tolower(ch));
      std::string_view v = h.substr(colon + 1);
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      req.headers[name] = std::string(v);
    }
    req.body = in.substr(end + 4);
    size_t want = std::strtoul(req.Header("content-length").c_str(), nullptr, 10);
    while (req.body.size() < want) {
      ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) return;
      req.body.append(buf, static_cast<size_t>(n));
    }
    {
      std::lock_guard lock(mu_);
      requests_.push_back(req);
    }
    std::string out = handler_(req);
    for (size_t off = 0; off < out.size();) {
      ssize_t n = ::write(c, out.data() + off, out.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
  }

  Handler handler_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<TinyRequest> requests_;
};

// --- a real registry: docker-registry serve CONFIG on a free port ---

inline constexpr const char* kRegistryBinary = "/usr/bin/docker-registry";

inline int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), len);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

inline bool CanConnect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

class LocalRegistry {
 public:
  // Starts a registry storing under `dir`; `auth_yaml` is appended to the
  // config (an "auth:" section) when not empty.
  static Result<std::unique_ptr<LocalRegistry>> Start(const std::string& dir,
                                                      const std::string& auth_yaml) {
    auto r = std::unique_ptr<LocalRegistry>(new LocalRegistry);
    int port = FreePort();
    r->host_ = fmt::format("127.0.0.1:{}", port);
    std::string config = dir + "/config.yml", log = dir + "/registry.log";
    TRY(WriteFileAtomic(config, fmt::format("version: 0.1\n"
                                            "log:\n  level: error\n"
                                            "storage:\n  filesystem:\n    rootdirectory: {}/data\n"
                                            "http:\n  addr: {}\n{}",
                                            dir, r->host_, auth_yaml)));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    const char* argv[] = {kRegistryBinary, "serve", config.c_str(), nullptr};
    int rc =
        posix_spawn(&r->pid_, kRegistryBinary, &fa, nullptr, const_cast<char**>(argv), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) return FailCode(rc, "spawn {}", kRegistryBinary);
    for (int i = 0; i < 200; ++i) {
      if (CanConnect(port)) return r;
      int status;
      if (::waitpid(r->pid_, &status, WNOHANG) == r->pid_) {
        r->pid_ = -1;
        return Fail("registry exited: {}", ReadFile(log).value_or(""));
      }
      ::usleep(50000);
    }
    return Fail("registry did not listen on {} within 10 s", r->host_);
  }
  ~LocalRegistry() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  const std::string& host() const { return host_; }

 private:
  LocalRegistry() = default;
  pid_t pid_ = -1;
  std::string host_;
};

}  // namespace berth::image::registry_testing
