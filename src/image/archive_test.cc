#include <gtest/gtest.h>
TEST(ArchivePlaceholder, X) {}
