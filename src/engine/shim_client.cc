#include "engine/shim_client.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>

#include "sys/syscalls.h"

namespace berth::engine {

Result<ShimConnection> ShimConnection::Connect(const std::string& socket_path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path)
    return Fail("shim socket {}: path too long", socket_path);
  socket_path.copy(addr.sun_path, socket_path.size());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return FailErrno("socket");
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return FailErrno("connect to shim {}", socket_path);
  return ShimConnection(std::move(fd));
}

Result<nlohmann::json> ShimConnection::Call(const nlohmann::json& request) {
  std::string line = request.dump() + "\n";
  if (sys::WriteAll(fd_.get(), line.data(), line.size()) != 0) return FailErrno("write to shim");
  size_t nl;
  while ((nl = buf_.find('\n')) == std::string::npos) {
    char chunk[4096];
    ssize_t n = ::read(fd_.get(), chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return FailErrno("read from shim");
    if (n == 0) return FailCode(EPIPE, "shim closed the connection");
    buf_.append(chunk, static_cast<size_t>(n));
  }
  std::string answer_text = buf_.substr(0, nl);
  buf_.erase(0, nl + 1);
  auto answer = nlohmann::json::parse(answer_text, nullptr, false);
  if (answer.is_discarded() || !answer.is_object()) return Fail("shim: answer is not JSON");
  auto ok = answer.find("ok");
  if (ok == answer.end() || !ok->is_boolean()) return Fail("shim: answer has no \"ok\"");
  if (!ok->get<bool>()) {
    auto err = answer.find("error");
    return Fail("{}", err != answer.end() && err->is_string() ? err->get<std::string>()
                                                              : std::string("shim refused"));
  }
  return answer;
}

}  // namespace berth::engine
