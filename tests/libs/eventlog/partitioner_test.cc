// Kafka's default partitioner: a key must land on the partition a Java or librdkafka
// producer would choose, so the embedded and Kafka backends agree.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <random>
#include <string>

#include "trappe/eventlog/event_log.h"

namespace trappe::eventlog {
namespace {

TEST(Murmur2Test, MatchesKafkasJavaClient) {
  // org.apache.kafka.common.utils.UtilsTest#testMurmur2 (signed Java ints).
  const std::pair<std::string, int32_t> cases[] = {
      {"21", -973932308},
      {"foobar", -790332482},
      {"a-little-bit-long-string", -985981536},
      {"a-little-bit-longer-string", -1486304829},
      {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971},
      {"abc", 479470107},
  };
  for (const auto& [input, expected] : cases) {
    EXPECT_EQ(static_cast<int32_t>(Murmur2(input)), expected) << input;
  }
}

TEST(PartitionForKeyTest, MatchesLibrdkafkasMurmur2Partitioner) {
  std::mt19937 random(20240611);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 64);
  for (int i = 0; i < 5000; ++i) {
    std::string key(static_cast<size_t>(length(random)), '\0');
    for (char& c : key) c = static_cast<char>(byte(random));
    for (int32_t partitions : {1, 3, 8, 12, 100}) {
      const int32_t expected = rd_kafka_msg_partitioner_murmur2(
          nullptr, key.data(), key.size(), partitions, nullptr, nullptr);
      ASSERT_EQ(PartitionForKey(key, partitions), expected) << "key #" << i;
    }
  }
}

TEST(PartitionForKeyTest, TrappeKeysSpreadOverEveryPartition) {
  std::vector<int> hits(8);
  for (int i = 0; i < 1000; ++i) {
    const int32_t p = PartitionForKey("0657/case-" + std::to_string(i), 8);
    ASSERT_GE(p, 0);
    ASSERT_LT(p, 8);
    ++hits[static_cast<size_t>(p)];
  }
  for (int h : hits) EXPECT_GT(h, 60);
}

TEST(PartitionForKeyTest, NegativeHashIsMaskedNotNegated) {
  // "21" hashes to a negative int: Kafka masks the sign bit, abs() would differ.
  EXPECT_EQ(PartitionForKey("21", 1000), static_cast<int32_t>((Murmur2("21") & 0x7fffffffU) % 1000));
}

TEST(ValidateTopicNameTest, AcceptsKafkaNamesAndRejectsOthers) {
  EXPECT_TRUE(ValidateTopicName("trappe.case-events.v1").ok());
  EXPECT_TRUE(ValidateTopicName("a_B-9").ok());
  EXPECT_EQ(ValidateTopicName("").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateTopicName("..").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateTopicName("with space").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateTopicName(std::string_view("nul\0byte", 8)).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateTopicName(std::string(250, 'a')).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace trappe::eventlog
