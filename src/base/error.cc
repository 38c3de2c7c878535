#include "base/error.h"

#include <cstring>

namespace berth {

std::string Error::What() const {
  if (errno_ == 0 || !show_errno_) return message_;
  return message_ + ": " + std::strerror(errno_);
}

}  // namespace berth
