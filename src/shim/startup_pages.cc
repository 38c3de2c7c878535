#include "shim/startup_pages.h"

#include <link.h>
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>

namespace berth::shim {
namespace {

int ReleaseObject(dl_phdr_info* info, size_t, void* data) {
  // Only the executable itself (the first object; the shim links statically).
  bool* done = static_cast<bool*>(data);
  if (*done) return 1;
  *done = true;
  uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  uintptr_t relro_begin = 0, relro_end = 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const auto& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_GNU_RELRO) continue;
    relro_begin = (info->dlpi_addr + ph.p_vaddr) & ~(page - 1);
    relro_end = (info->dlpi_addr + ph.p_vaddr + ph.p_memsz + page - 1) & ~(page - 1);
  }
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const auto& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || (ph.p_flags & PF_W)) continue;
    // Whole pages inside the segment only: a page shared with a writable
    // neighbour keeps its changes.
    uintptr_t begin = (info->dlpi_addr + ph.p_vaddr + page - 1) & ~(page - 1);
    uintptr_t end = (info->dlpi_addr + ph.p_vaddr + ph.p_filesz) & ~(page - 1);
    if (relro_end > relro_begin && begin < relro_end && relro_begin < end) {
      // Keep the RELRO part (relocated, so its pages differ from the file).
      if (begin < relro_begin)
        ::madvise(reinterpret_cast<void*>(begin), relro_begin - begin, MADV_DONTNEED);
      begin = std::max(begin, relro_end);
    }
    if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
  }
  return 1;
}

}  // namespace

void ReleaseStartupPages() {
  bool done = false;
  ::dl_iterate_phdr(ReleaseObject, &done);
  ::malloc_trim(0);
}

}  // namespace berth::shim
