// /etc/passwd as the runtime reads it for `list`'s owner column. Input: a
// 4-byte uid, then the file. Property: a name or home found is a field of a
// line (non-empty, no ':' or newline).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "base/passwd.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  uint32_t uid;
  std::memcpy(&uid, data, 4);
  std::string_view text(reinterpret_cast<const char*>(data) + 4, size - 4);
  auto name = berth::UserNameIn(text, uid);
  if (name && (name->empty() || name->find(':') != std::string::npos ||
               name->find('\n') != std::string::npos))
    std::abort();
  auto home = berth::HomeDirIn(text, uid);
  if (home && (home->empty() || home->find(':') != std::string::npos ||
               home->find('\n') != std::string::npos))
    std::abort();
  return 0;
}
