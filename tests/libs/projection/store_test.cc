// The pieces under the engine: the checksum's hash, key encodings, the store directory.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "sha256.h"
#include "store_directory.h"
#include "trappe/projection/keys.h"
#include "trappe/testing/status_matchers.h"
#include "trappe/testing/temp_dir.h"

namespace trappe::projection {
namespace {

using ::trappe::testing::TempDir;

std::string Sha(std::string_view data) {
  internal::Sha256 hash;
  hash.Update(data);
  return hash.HexDigest();
}

TEST(ProjectionChecksumTest, Sha256MatchesStandardVectors) {
  EXPECT_EQ(Sha(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // One million 'a', fed in uneven pieces.
  internal::Sha256 hash;
  const std::string piece(997, 'a');
  size_t left = 1000000;
  while (left > 0) {
    const size_t n = std::min(left, piece.size());
    hash.Update(std::string_view(piece).substr(0, n));
    left -= n;
  }
  EXPECT_EQ(hash.HexDigest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(ProjectionKeysTest, TenantKeysAndNumbers) {
  EXPECT_EQ(TenantKey("0657", {"case-1", "deadline"}), "0657/case-1/deadline");
  EXPECT_EQ(TenantPrefix("0657"), "0657/");
  EXPECT_EQ(DecodeInt64(EncodeInt64(-5)), -5);
  EXPECT_EQ(DecodeInt64(EncodeInt64(INT64_MAX)), INT64_MAX);
  EXPECT_FALSE(DecodeInt64("short").has_value());
  EXPECT_LT(EncodeInt64(255), EncodeInt64(256));  // byte order is numeric order
}

TEST(ProjectionStoreDirectoryTest, CurrentNamesTheStoreAndLeftoversGo) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto empty, internal::ScanDirectory(dir.path()));
  EXPECT_FALSE(empty.current.has_value());

  std::filesystem::create_directories(dir.path() / internal::StoreName(3));
  std::filesystem::create_directories(dir.path() / internal::StoreName(4));
  ASSERT_OK(internal::WriteCurrent(dir.path(), internal::StoreName(3)));
  ASSERT_OK_AND_ASSIGN(auto found, internal::ScanDirectory(dir.path()));
  EXPECT_EQ(found.current, "store-000003");
  EXPECT_EQ(found.highest_number, 4u);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "store-000003"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "store-000004"));
}

TEST(ProjectionStoreDirectoryTest, CurrentNamingAMissingStoreIsDataLoss) {
  TempDir dir;
  std::ofstream(dir.path() / "CURRENT") << "store-000009\n";
  EXPECT_STATUS(internal::ScanDirectory(dir.path()), StatusCode::kDataLoss, "does not exist");
}

}  // namespace
}  // namespace trappe::projection
