#include "image/byte_pipe.h"

#include <algorithm>
#include <cstring>

namespace berth::image {

Status BytePipe::Write(std::string_view data) {
  while (!data.empty()) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return abandoned_ || buffered_ < capacity_; });
    if (abandoned_) return Fail("stream abandoned by its reader");
    // Chunks of at most 1 MiB keep the deque's memory bounded by capacity.
    size_t n = std::min({data.size(), capacity_ - buffered_, size_t{1} << 20});
    chunks_.emplace_back(data.substr(0, n));
    buffered_ += n;
    data.remove_prefix(n);
    cv_.notify_all();
  }
  return Ok();
}

void BytePipe::Close(Status status) {
  std::lock_guard lock(mu_);
  closed_ = true;
  if (!status) error_ = status.error();
  cv_.notify_all();
}

Result<size_t> BytePipe::Read(char* buf, size_t len) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return buffered_ > 0 || closed_; });
  if (buffered_ == 0) {
    if (error_) return std::unexpected(*error_);
    return size_t{0};
  }
  size_t done = 0;
  while (done < len && !chunks_.empty()) {
    std::string& front = chunks_.front();
    size_t n = std::min(len - done, front.size() - head_offset_);
    std::memcpy(buf + done, front.data() + head_offset_, n);
    done += n;
    head_offset_ += n;
    if (head_offset_ == front.size()) {
      chunks_.pop_front();
      head_offset_ = 0;
    }
  }
  buffered_ -= done;
  cv_.notify_all();
  return done;
}

void BytePipe::Abandon() {
  std::lock_guard lock(mu_);
  abandoned_ = true;
  chunks_.clear();
  buffered_ = 0;
  cv_.notify_all();
}

}  // namespace berth::image
