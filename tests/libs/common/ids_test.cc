#include "trappe/common/ids.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace trappe {
namespace {

TEST(IdsTest, NewUuidIsVersion4AndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = NewUuid();
    ASSERT_TRUE(IsUuid(id)) << id;
    EXPECT_EQ(id[14], '4') << id;                               // version nibble
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;  // variant
    EXPECT_TRUE(seen.insert(id).second) << "duplicate " << id;
  }
}

TEST(IdsTest, NewUuidIsUniqueAcrossThreads) {
  // Each thread draws its random bytes a block at a time; 4 x 600 ids cross blocks.
  std::mutex mu;
  std::set<std::string> seen;
  size_t made = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      std::vector<std::string> mine;
      for (int i = 0; i < 600; ++i) mine.push_back(NewUuid());
      std::lock_guard lock(mu);
      for (std::string& id : mine) {
        EXPECT_TRUE(IsUuid(id)) << id;
        seen.insert(std::move(id));
        ++made;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(seen.size(), made);
}

TEST(IdsTest, AForkedChildDoesNotRepeatItsParentsIds) {
  (void)NewUuid();  // the parent now holds unused random bytes
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const std::string id = NewUuid();
    const ssize_t written = ::write(fds[1], id.data(), id.size());
    ::_exit(written == static_cast<ssize_t>(id.size()) ? 0 : 1);
  }
  ::close(fds[1]);
  std::string from_child(36, '\0');
  size_t got = 0;
  while (got < from_child.size()) {
    const ssize_t n = ::read(fds[0], from_child.data() + got, from_child.size() - got);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_EQ(got, from_child.size());
  EXPECT_TRUE(IsUuid(from_child)) << from_child;
  EXPECT_NE(from_child, NewUuid()) << "the child drew the parent's next random bytes";
}

TEST(IdsTest, RandomPublicBytesNeverRepeatAcrossDrawsAndBlocks) {
  // 24-byte nonces: 400 of them (9,600 bytes) need at least two refills of the thread's
  // 4 KiB block.
  std::set<std::string> seen;
  for (int i = 0; i < 400; ++i) {
    std::string nonce(24, '\0');
    RandomPublicBytes(reinterpret_cast<unsigned char*>(nonce.data()), nonce.size());
    EXPECT_TRUE(seen.insert(nonce).second) << "draw " << i << " repeated an earlier one";
  }
  // Larger than a block: drawn from the kernel directly, and still random.
  std::string large_a(5000, '\0');
  std::string large_b(5000, '\0');
  RandomPublicBytes(reinterpret_cast<unsigned char*>(large_a.data()), large_a.size());
  RandomPublicBytes(reinterpret_cast<unsigned char*>(large_b.data()), large_b.size());
  EXPECT_NE(large_a, large_b);
  EXPECT_NE(large_a, std::string(5000, '\0'));
}

TEST(IdsTest, IsUuidRejectsOtherShapes) {
  EXPECT_TRUE(IsUuid("3B241101-E2BB-4255-8CAF-4136C566A962"));
  EXPECT_FALSE(IsUuid(""));
  EXPECT_FALSE(IsUuid("3b241101e2bb42558caf4136c566a962"));
  EXPECT_FALSE(IsUuid("3b241101-e2bb-4255-8caf-4136c566a96"));
  EXPECT_FALSE(IsUuid("3b241101-e2bb-4255-8caf-4136c566a96g"));
  EXPECT_FALSE(IsUuid("3b241101-e2bb-4255+8caf-4136c566a962"));
}

TEST(IdsTest, SequentialGeneratorCountsUpInUuidShape) {
  SequentialIdGenerator ids;
  EXPECT_EQ(ids.NewId(), "00000000-0000-4000-8000-000000000001");
  EXPECT_EQ(ids.NewId(), "00000000-0000-4000-8000-000000000002");
  EXPECT_TRUE(IsUuid(ids.NewId()));
}

}  // namespace
}  // namespace trappe
