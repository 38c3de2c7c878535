#include "runtime/seccomp_notify.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace berth::runtime {
namespace {

Result<sockaddr_un> Address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path)
    return Fail("unix socket path {:?}: empty or too long", path);
  std::memcpy(addr.sun_path, path.c_str(), path.size());
  return addr;
}

Result<UniqueFd> Connect(const std::string& path) {
  auto addr = TRY(Address(path));
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return FailErrno("socket");
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return FailErrno("connect to {}", path);
  return fd;
}

}  // namespace

Result<UniqueFd> ListenUnix(const std::string& path) {
  auto addr = TRY(Address(path));
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return FailErrno("socket");
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return FailErrno("bind {}", path);
  if (::chmod(path.c_str(), 0600) != 0 || ::listen(fd.get(), 1) != 0)
    return FailErrno("listen on {}", path);
  return fd;
}

Status ForwardSeccompListener(const ContainerRecord& rec, const std::string& listener_path,
                              const std::string& metadata, const nlohmann::json& state) {
  // 1. The listener fd, from the init.
  auto from_init = TRY_CTX(Connect(rec.dir + "/seccomp.sock"), "seccomp notify");
  char byte;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = cbuf;
  msg.msg_controllen = sizeof cbuf;
  ssize_t n;
  do {
    n = ::recvmsg(from_init.get(), &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (n <= 0 || c == nullptr || c->cmsg_type != SCM_RIGHTS)
    return Fail("seccomp notify: the init died before handing over its listener");
  int raw;
  std::memcpy(&raw, CMSG_DATA(c), sizeof raw);
  UniqueFd listener(raw);

  // 2. To the agent, with the container process state.
  auto agent = TRY_CTX(Connect(listener_path), "linux.seccomp.listenerPath");
  nlohmann::json doc = {{"ociVersion", state.value("ociVersion", "1.2.1")},
                        {"fds", {"seccompFd"}},
                        {"pid", rec.pid},
                        {"metadata", metadata},
                        {"state", state}};
  std::string text = doc.dump();
  iovec out{text.data(), text.size()};
  alignas(cmsghdr) char obuf[CMSG_SPACE(sizeof(int))] = {};
  msghdr om{};
  om.msg_iov = &out;
  om.msg_iovlen = 1;
  om.msg_control = obuf;
  om.msg_controllen = sizeof obuf;
  cmsghdr* oc = CMSG_FIRSTHDR(&om);
  oc->cmsg_level = SOL_SOCKET;
  oc->cmsg_type = SCM_RIGHTS;
  oc->cmsg_len = CMSG_LEN(sizeof(int));
  int lfd = listener.get();
  std::memcpy(CMSG_DATA(oc), &lfd, sizeof lfd);
  if (::sendmsg(agent.get(), &om, MSG_NOSIGNAL) < 0)
    return FailErrno("linux.seccomp.listenerPath {}: send the listener", listener_path);
  return Ok();
}

}  // namespace berth::runtime
