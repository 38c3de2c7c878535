#include "base/clock.h"

#include <fmt/format.h>

namespace berth {

// Howard Hinnant's days-to-civil algorithm: eras of 400 years (146097 days)
// starting on March 1st, so the leap day is the last day of a year.
CivilDate CivilFromDays(int64_t days) {
  days += 719468;  // shift the epoch from 1970-01-01 to 0000-03-01
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;                                    // [0, 146096]
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
  const int64_t mp = (5 * doy + 2) / 153;                                     // [0, 11]
  const unsigned day = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
  const unsigned month = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (month <= 2), month, day};
}

std::string Rfc3339Nano(const timespec& ts) {
  int64_t secs = ts.tv_sec;
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    days -= 1;
  }
  CivilDate d = CivilFromDays(days);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:09d}Z", d.year, d.month, d.day,
                     rem / 3600, rem / 60 % 60, rem % 60, ts.tv_nsec);
}

std::string NowRfc3339Nano() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return Rfc3339Nano(ts);
}

}  // namespace berth
