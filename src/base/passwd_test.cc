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

TEST(Passwd, FindsTheHomeOfAUid) {
  std::string_view text =
      "root:x:0:0:root:/root:/bin/bash\n"
      "short:x:7:7\n"
      "nohome:x:8:8:::/bin/sh\n"
      "alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash";
  EXPECT_EQ(HomeDirIn(text, 0), "/root");
  EXPECT_EQ(HomeDirIn(text, 1000), "/home/alice");
  EXPECT_EQ(HomeDirIn(text, 7), std::nullopt);
  EXPECT_EQ(HomeDirIn(text, 8), std::nullopt);
  EXPECT_EQ(HomeDirIn(text, 9), std::nullopt);
}

TEST(Passwd, FallsBackToTheNumber) { EXPECT_EQ(UserNameOrId(4242, "/nonexistent/passwd"), "4242"); }

}  // namespace
}  // namespace berth
