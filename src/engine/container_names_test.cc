#include "engine/container_names.h"

#include <set>

#include <gtest/gtest.h>

namespace berth::engine {
namespace {

TEST(ContainerNames, GeneratedNamesAreValidAdjectiveSurname) {
  EXPECT_GE(NameAdjectiveCount(), 100u);
  EXPECT_GE(NameSurnameCount(), 200u);
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::string n = RandomContainerName();
    ASSERT_TRUE(ValidateContainerName(n)) << n;
    ASSERT_EQ(std::count(n.begin(), n.end(), '_'), 1) << n;
    seen.insert(n);
  }
  EXPECT_GT(seen.size(), 150u);  // random, not a fixed sequence
  std::string d = RandomContainerName(1);
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(d.back())));
}

TEST(ContainerNames, GenerateRetriesOnCollision) {
  int calls = 0;
  auto name = GenerateContainerName([&](const std::string&) -> Result<bool> {
    return ++calls < 5;  // the first four are taken
  });
  ASSERT_TRUE(name);
  EXPECT_EQ(calls, 5);
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(name->back())));  // after 3 collisions

  auto never = GenerateContainerName([](const std::string&) -> Result<bool> { return true; });
  ASSERT_FALSE(never);
  EXPECT_EQ(never.error().code(), EEXIST);
  auto failing =
      GenerateContainerName([](const std::string&) -> Result<bool> { return Fail("db down"); });
  ASSERT_FALSE(failing);
  EXPECT_EQ(failing.error().What(), "db down");
}

TEST(ContainerNames, DockersNameRule) {
  EXPECT_EQ(ValidateContainerName("/web-1.a_b").value(), "web-1.a_b");
  EXPECT_EQ(ValidateContainerName("ab").value(), "ab");
  for (const char* bad : {"", "/", "a", "-ab", "_ab", "a b", "a/b", "ü1"}) {
    auto r = ValidateContainerName(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().What(), std::string("Invalid container name (") + bad +
                                    "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
  }
}

TEST(NewRandomId, Is64LowercaseHexAndDiffersEachTime) {
  auto a = NewRandomId();
  auto b = NewRandomId();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), 64u);
  EXPECT_EQ(a->find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(*a, *b);
}

}  // namespace
}  // namespace berth::engine
