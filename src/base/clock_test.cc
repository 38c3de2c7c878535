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
TEST(ParseRfc3339Seconds, ReadsWhatImageConfigsWrite) {
  EXPECT_EQ(ParseRfc3339Seconds("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339Seconds("2024-05-01T12:00:00Z"), 1714564800);
  EXPECT_EQ(ParseRfc3339Seconds("2024-05-01T12:00:00.123456789Z"), 1714564800);
  EXPECT_EQ(ParseRfc3339Seconds("2024-05-01T14:00:00+02:00"), 1714564800);
  EXPECT_EQ(ParseRfc3339Seconds("2024-02-29T00:00:00Z"), 1709164800);
  // Round trip with the formatter.
  timespec ts{1700000000, 0};
  EXPECT_EQ(ParseRfc3339Seconds(Rfc3339Nano(ts)), 1700000000);
  EXPECT_EQ(ParseRfc3339Seconds(""), 0);
  EXPECT_EQ(ParseRfc3339Seconds("2024-13-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339Seconds("2024-05-01 12:00:00"), 0);
}

TEST(ParseRfc3339Nanos, KeepsTheFraction) {
  EXPECT_EQ(ParseRfc3339Nanos("2024-05-01T12:00:00.123456789Z"), 1714564800123456789);
  EXPECT_EQ(ParseRfc3339Nanos("2024-05-01T12:00:00.5Z"), 1714564800500000000);
  EXPECT_EQ(ParseRfc3339Nanos("2024-05-01T12:00:00Z"), 1714564800000000000);
  EXPECT_EQ(ParseRfc3339Nanos("garbage"), 0);
}

TEST(HumanDuration, WordsItAsDocker) {
  EXPECT_EQ(HumanDuration(0), "Less than a second");
  EXPECT_EQ(HumanDuration(1), "1 second");
  EXPECT_EQ(HumanDuration(45), "45 seconds");
  EXPECT_EQ(HumanDuration(90), "About a minute");
  EXPECT_EQ(HumanDuration(3 * 3600), "3 hours");
  EXPECT_EQ(HumanDuration(20 * 86400), "2 weeks");
}

}  // namespace berth
