// A bounded in-memory pipe between two threads: a layer's download (the
// writer) and its unpack (the reader) run at the same time, so a layer is
// extracted while it is still arriving, with no temp copy and at most
// `capacity` bytes held in memory.
//
// Either side can end the stream: the writer with Close(status) (an error
// reaches the reader as its next Read's error), the reader with Abandon()
// (the writer's next Write fails, which stops the download).
// Thread safety: one writer thread and one reader thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"

namespace berth::image {

class BytePipe {
 public:
  explicit BytePipe(size_t capacity = size_t{2} << 20) : capacity_(capacity) {}

  // Blocks while the pipe is full. Fails once the reader has abandoned.
  Status Write(std::string_view data);
  // Ends the stream: Ok means EOF after the buffered bytes; an error is
  // returned to the reader instead of EOF.
  void Close(Status status);
  // Blocks until bytes, EOF (returns 0) or the writer's error.
  Result<size_t> Read(char* buf, size_t len);
  // The reader gives up; unblocks and fails the writer.
  void Abandon();

 private:
  size_t capacity_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> chunks_;
  size_t head_offset_ = 0;  // bytes of chunks_.front() already read
  size_t buffered_ = 0;
  bool closed_ = false, abandoned_ = false;
  std::optional<Error> error_;
};

}  // namespace berth::image
