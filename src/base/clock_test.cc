#include "base/clock.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

TEST(Clock, Epoch) { EXPECT_EQ(Rfc3339Nano({0, 0}), "1970-01-01T00:00:00.000000000Z"); }

TEST(Clock, AgreesWithGmtimeAcrossLeapYearsAndCenturies) {
  // Every 6 hours and a bit from 1900 to 2400 (leap days, 2000, 2100).
  for (int64_t s = -2208988800LL; s < 13569465600LL; s += 21601 + 86400LL * 13) {
    time_t t = static_cast<time_t>(s);
    tm g;
    ASSERT_NE(gmtime_r(&t, &g), nullptr);
    char want[64];
    strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%S.000000123Z", &g);
    ASSERT_EQ(Rfc3339Nano({t, 123}), want) << s;
  }
}

TEST(Clock, LeapDay) {
  // 2024-02-29T12:00:00Z.
  EXPECT_EQ(Rfc3339Nano({1709208000, 5}), "2024-02-29T12:00:00.000000005Z");
  CivilDate d = CivilFromDays(-1);
  EXPECT_EQ(d.year, 1969);
  EXPECT_EQ(d.month, 12u);
  EXPECT_EQ(d.day, 31u);
}

}  // namespace
}  // namespace berth
