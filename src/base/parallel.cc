#include "base/parallel.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace berth {

Status RunInParallel(size_t n, int max_threads, const std::function<Status(size_t)>& job) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::optional<Error> first_error;
  auto worker = [&] {
    for (size_t i; !failed && (i = next++) < n;) {
      if (Status st = job(i); !st) {
        std::lock_guard lock(mu);
        if (!first_error) first_error = st.error();
        failed = true;
      }
    }
  };
  size_t n_threads = std::min<size_t>(static_cast<size_t>(std::max(1, max_threads)), n);
  std::vector<std::thread> threads;
  for (size_t t = 1; t < n_threads; t++) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  if (first_error) return std::unexpected(std::move(*first_error));
  return Ok();
}

}  // namespace berth
