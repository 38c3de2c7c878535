// Wall-clock timestamps in the RFC 3339 form runc and docker write
// ("2006-01-02T15:04:05.999999999Z"), always UTC, without touching the
// time zone database (strftime would read /etc/localtime on every call).
#pragma once

#include <time.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace berth {

// `ts` as UTC RFC 3339 with nanoseconds: 1970-01-01T00:00:00.000000000Z.
std::string Rfc3339Nano(const timespec& ts);

// The current CLOCK_REALTIME time as Rfc3339Nano.
std::string NowRfc3339Nano();

// The whole seconds of an RFC 3339 time ("2024-05-01T12:00:00.5Z",
// "...+02:00"), as image configs write "created"; 0 when it does not parse
// (docker shows such images as created "N/A"). Pure arithmetic: no time
// zone database.
int64_t ParseRfc3339Seconds(std::string_view text);

// Proleptic Gregorian date of a day count since 1970-01-01 (negative before).
struct CivilDate {
  int64_t year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};
CivilDate CivilFromDays(int64_t days);

// An RFC 3339 time with its fraction as nanoseconds since the epoch; 0
// when it does not parse.
int64_t ParseRfc3339Nanos(std::string_view text);

// A duration as docker words it in `ps` ("Up 5 seconds", "Exited (0) 2
// minutes ago"): "Less than a second", "1 second", "About a minute", ...
std::string HumanDuration(int64_t seconds);

}  // namespace berth
