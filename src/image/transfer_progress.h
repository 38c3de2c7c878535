// Progress of a pull or push as docker reports it (its JSONMessage fields),
// and the reporter both drivers share: it serializes callbacks from the
// layer threads and thins out byte counts to one per 1% (or 512 KiB) per
// layer, so a progress stream stays small whatever the layer's size.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "image/registry_client.h"

namespace berth::image {

struct TransferProgress {
  std::string id;                    // short layer digest, or the tag for whole-image lines
  std::string status;                // "Pulling fs layer", "Downloading", "Pushed", ...
  int64_t current = -1, total = -1;  // bytes, for "Downloading"/"Pushing"
};
using TransferProgressFn = std::function<void(const TransferProgress&)>;

// Thread safety: Emit and the functions Bytes returns may be called from
// any thread; `fn` must outlive the reporter.
class ProgressReporter {
 public:
  explicit ProgressReporter(const TransferProgressFn& fn) : fn_(fn) {}
  void Emit(const std::string& id, const std::string& status, int64_t cur = -1,
            int64_t total = -1) {
    if (!fn_) return;
    std::lock_guard lock(mu_);
    fn_(TransferProgress{id, status, cur, total});
  }
  // A byte-count callback for the registry client that reports `status`
  // ("Downloading", "Pushing") for layer `id`, thinned out.
  ProgressFn Bytes(const std::string& id, const std::string& status, int64_t total) {
    auto last = std::make_shared<int64_t>(-1);
    int64_t step = std::max<int64_t>(total / 100, 512 << 10);
    return [this, id, status, total, last, step](int64_t done) {
      if (*last >= 0 && done - *last < step && done != total) return;
      *last = done;
      Emit(id, status, done, total);
    };
  }

 private:
  const TransferProgressFn& fn_;
  std::mutex mu_;
};

}  // namespace berth::image
