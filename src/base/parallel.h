// A bounded fan-out of independent jobs, as pulls and pushes do with
// layers: job(i) for every i in [0, n), on at most `max_threads` threads
// (the calling thread is one of them).
#pragma once

#include <cstddef>
#include <functional>

#include "base/error.h"

namespace berth {

// Once a job fails no further job starts (those running finish); the first
// error is returned. max_threads below 1 counts as 1.
Status RunInParallel(size_t n, int max_threads, const std::function<Status(size_t)>& job);

}  // namespace berth
