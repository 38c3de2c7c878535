// Raw wrappers for syscalls glibc 2.36 does not wrap (clone3, openat2,
// pivot_root, ...). They return what the kernel returns: -1 with errno set
// on failure. They allocate nothing and are safe between clone and exec;
// Result-returning helpers built on them live beside their users.
#pragma once

#include <linux/openat2.h>
#include <linux/sched.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>

namespace berth::sys {

inline long Clone3(clone_args* args) { return ::syscall(SYS_clone3, args, sizeof(clone_args)); }

inline int OpenAt2(int dirfd, const char* path, uint64_t flags, uint64_t resolve, mode_t mode = 0) {
  open_how how{};
  how.flags = flags;
  how.mode = mode;
  how.resolve = resolve;
  return static_cast<int>(::syscall(SYS_openat2, dirfd, path, &how, sizeof how));
}

inline int PivotRoot(const char* new_root, const char* put_old) {
  return static_cast<int>(::syscall(SYS_pivot_root, new_root, put_old));
}

inline int PidfdOpen(pid_t pid, unsigned flags = 0) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, flags));
}

inline int PidfdSendSignal(int pidfd, int sig) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

inline int CloseRange(unsigned first, unsigned last, unsigned flags) {
  return static_cast<int>(::syscall(SYS_close_range, first, last, flags));
}

inline int Capget(void* hdr, void* data) { return static_cast<int>(::syscall(SYS_capget, hdr, data)); }
inline int Capset(void* hdr, const void* data) {
  return static_cast<int>(::syscall(SYS_capset, hdr, data));
}

inline int IoprioSet(int which, int who, int ioprio) {
  return static_cast<int>(::syscall(SYS_ioprio_set, which, who, ioprio));
}

// Writes all of buf to fd, retrying short writes and EINTR. 0 or -1.
int WriteAll(int fd, const void* buf, size_t len);
// Reads exactly len bytes unless EOF comes first; returns bytes read or -1.
ssize_t ReadFull(int fd, void* buf, size_t len);

}  // namespace berth::sys
