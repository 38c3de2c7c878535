#include "base/passwd.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

TEST(Passwd, FindsTheNameOfAUid) {
  std::string_view text =
      "root:x:0:0:root:/root:/bin/bash\n"
      "# not a user\n"
      "broken\n"
      "bad:x:12a:0::/:\n"
      "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
      "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin";
  EXPECT_EQ(UserNameIn(text, 0), "root");
  EXPECT_EQ(UserNameIn(text, 1), "daemon");
  EXPECT_EQ(UserNameIn(text, 65534), "nobody");
  EXPECT_EQ(UserNameIn(text, 12), std::nullopt);
  EXPECT_EQ(UserNameIn(text, 1000), std::nullopt);
}

TEST(Passwd, FallsBackToTheNumber) { EXPECT_EQ(UserNameOrId(4242, "/nonexistent/passwd"), "4242"); }

}  // namespace
}  // namespace berth
