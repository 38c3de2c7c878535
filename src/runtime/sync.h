// The messages the parent (create) and the container's init exchange over
// a socketpair while the container is set up. Fixed size, so both sides
// read and write them without allocating.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>

#include "sys/syscalls.h"

namespace berth::runtime {

enum class SyncType : uint32_t {
  kGo = 1,          // parent -> child: placed in cgroups, proceed
  kUsernsReady,     // child -> parent: user namespace made, write my id maps
  kUsernsMapped,    // parent -> child: maps written
  kInitPid,         // child -> parent: value = pid of the init (host pid ns)
  kCreateRuntime,   // init -> parent: namespaces and mounts ready, run runtime hooks
  kCreateRuntimeDone,  // parent -> init: hooks ran; payload follows: state JSON
  kCreated,         // init -> parent: ready to exec, now blocking on the fifo
  kError,           // child -> parent: err = errno, text = what failed
};

struct SyncMsg {
  SyncType type;
  int32_t value;
  int32_t err;
  uint32_t payload_len;  // bytes that follow this message
  char text[496];
};

inline int SyncSend(int fd, SyncType t, int32_t value = 0, uint32_t payload_len = 0) {
  SyncMsg m{};
  m.type = t;
  m.value = value;
  m.payload_len = payload_len;
  return sys::WriteAll(fd, &m, sizeof m);
}

// Child side: reports an error and exits. errno is sampled first.
template <typename... Args>
[[noreturn]] inline void ChildFail(int fd, const char* fmt, Args... args) {
  int e = errno;
  SyncMsg m{};
  m.type = SyncType::kError;
  m.err = e;
  std::snprintf(m.text, sizeof m.text, fmt, args...);
  (void)sys::WriteAll(fd, &m, sizeof m);
  _exit(1);
}

// Reads one message; false on EOF or error.
inline bool SyncRecv(int fd, SyncMsg* m) {
  return sys::ReadFull(fd, m, sizeof *m) == static_cast<ssize_t>(sizeof *m);
}

}  // namespace berth::runtime
