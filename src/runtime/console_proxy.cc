#include "runtime/console_proxy.h"

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sys/syscalls.h"

namespace berth::runtime {

Result<UniqueFd> TakePtyMaster(int sock) {
  char data[64];
  iovec iov{data, sizeof data};
  alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = cbuf;
  msg.msg_controllen = sizeof cbuf;
  ssize_t n = ::recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  if (n < 0) {
    if (errno == EAGAIN) return UniqueFd();
    return FailErrno("receive the pty master");
  }
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_type != SCM_RIGHTS) return UniqueFd();
  int fd;
  std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return UniqueFd(fd);
}

RawStdin::RawStdin() {
  if (!::isatty(STDIN_FILENO) || ::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
  termios raw = saved_;
  ::cfmakeraw(&raw);
  active_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
}

RawStdin::~RawStdin() {
  if (active_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
}

void CopyWindowSize(int master) {
  winsize ws{};
  if (::ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) ::ioctl(master, TIOCSWINSZ, &ws);
}

bool PumpPty(int master, bool* stdin_open) {
  char buf[16384];
  pollfd fds[2] = {{master, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
  int nfds = *stdin_open ? 2 : 1;
  if (::poll(fds, static_cast<nfds_t>(nfds), 0) <= 0) return true;
  if (fds[0].revents & POLLIN) {
    ssize_t n = ::read(master, buf, sizeof buf);
    if (n > 0) (void)sys::WriteAll(STDOUT_FILENO, buf, static_cast<size_t>(n));
    if (n <= 0 && errno != EAGAIN && errno != EINTR) return false;
  } else if (fds[0].revents & (POLLHUP | POLLERR)) {
    return false;
  }
  if (nfds == 2 && (fds[1].revents & (POLLIN | POLLHUP))) {
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n > 0)
      (void)sys::WriteAll(master, buf, static_cast<size_t>(n));
    else
      *stdin_open = false;
  }
  return true;
}

}  // namespace berth::runtime
