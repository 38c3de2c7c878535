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

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (the inverse of
// CivilFromDays).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;                                    // [0, 399]
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
  return era * 146097 + doe - 719468;
}

// Reads `n` digits at `s[pos]`; -1 unless all are digits.
int64_t Digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return -1;
  int64_t v = 0;
  for (size_t i = pos; i < pos + n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

}  // namespace

int64_t ParseRfc3339Seconds(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  int64_t y = Digits(s, 0, 4), mo = Digits(s, 5, 2), d = Digits(s, 8, 2);
  int64_t h = Digits(s, 11, 2), mi = Digits(s, 14, 2), se = Digits(s, 17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
      se < 0 || se > 60 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
      s[13] != ':' || s[16] != ':')
    return 0;
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    pos++;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') pos++;
  }
  int64_t offset = 0;
  if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int64_t oh = Digits(s, pos + 1, 2), om = Digits(s, pos + 4, 2);
    if (oh < 0 || om < 0 || pos + 6 != s.size() || s[pos + 3] != ':') return 0;
    offset = (s[pos] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
  } else if (pos + 1 != s.size() || (s[pos] != 'Z' && s[pos] != 'z')) {
    return 0;
  }
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return days * 86400 + h * 3600 + mi * 60 + se - offset;
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

int64_t ParseRfc3339Nanos(std::string_view t) {
  int64_t secs = ParseRfc3339Seconds(t);
  if (secs <= 0) return 0;
  int64_t frac = 0;
  if (auto dot = t.find('.'); dot != std::string_view::npos) {
    int digits = 0;
    for (size_t i = dot + 1; i < t.size() && t[i] >= '0' && t[i] <= '9'; i++) {
      if (digits < 9) {
        frac = frac * 10 + (t[i] - '0');
        digits++;
      }
    }
    for (; digits < 9; digits++) frac *= 10;
  }
  return secs * 1'000'000'000 + frac;
}

std::string HumanDuration(int64_t s) {
  if (s < 1) return "Less than a second";
  if (s == 1) return "1 second";
  if (s < 60) return fmt::format("{} seconds", s);
  int64_t m = s / 60, h = s / 3600;
  if (m == 1) return "About a minute";
  if (m < 60) return fmt::format("{} minutes", m);
  if (h == 1) return "About an hour";
  if (h < 48) return fmt::format("{} hours", h);
  if (h < 24 * 7 * 2) return fmt::format("{} days", h / 24);
  if (h < 24 * 30 * 2) return fmt::format("{} weeks", h / 24 / 7);
  if (h < 24 * 365 * 2) return fmt::format("{} months", h / 24 / 30);
  return fmt::format("{} years", h / 24 / 365);
}

}  // namespace berth
