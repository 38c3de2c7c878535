#include "image/byte_pipe.h"

#include <thread>

#include <gtest/gtest.h>

namespace berth::image {
namespace {

TEST(BytePipe, CarriesEveryByteInOrderWithinItsCapacity) {
  BytePipe pipe(4096);
  std::string sent;
  for (int i = 0; i < 20000; i++) sent += static_cast<char>('a' + i % 26);
  std::thread writer([&] {
    for (size_t off = 0; off < sent.size(); off += 777)
      ASSERT_TRUE(pipe.Write(std::string_view(sent).substr(off, 777)));
    pipe.Close(Ok());
  });
  std::string got;
  char buf[1000];
  for (;;) {
    auto n = pipe.Read(buf, sizeof buf);
    ASSERT_TRUE(n);
    if (*n == 0) break;
    got.append(buf, *n);
  }
  writer.join();
  EXPECT_EQ(got, sent);
}

TEST(BytePipe, WriterErrorReachesTheReader) {
  BytePipe pipe;
  ASSERT_TRUE(pipe.Write("abc"));
  pipe.Close(Fail("connection reset"));
  char buf[8];
  auto n = pipe.Read(buf, sizeof buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 3u);
  auto e = pipe.Read(buf, sizeof buf);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message(), "connection reset");
}

TEST(BytePipe, AbandonUnblocksAFullWriter) {
  BytePipe pipe(16);
  std::thread writer([&] {
    auto st = pipe.Write(std::string(1000, 'x'));
    EXPECT_FALSE(st);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  pipe.Abandon();
  writer.join();
}

}  // namespace
}  // namespace berth::image
