// The key store behind personal data, on its own: fresh keys are stored before they are
// handed out, never handed out twice (also to concurrent callers, across the batches of
// kKeyBatch the store writes), and kept per tenant across a reopen.
#include "personal_data_vault.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "trappe/testing/status_matchers.h"
#include "trappe/testing/temp_dir.h"

namespace trappe::cases {
namespace {

const std::string kMasterKey(32, 'm');

TEST(PersonalDataVaultTest, ConcurrentCallersGetDistinctStoredKeys) {
  trappe::testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto vault, PersonalDataVault::Open(dir.Sub("keys"), kMasterKey));
  // Several batches' worth, so callers race on the ends of batches.
  constexpr int kThreads = 8;
  constexpr int kPerThread = 3 * PersonalDataVault::kKeyBatch;
  std::vector<std::vector<std::string>> taken(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Result<std::string> key = vault->TakeNewKey("0657");
        if (key.ok()) taken[static_cast<size_t>(t)].push_back(*key);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> distinct;
  for (const auto& keys : taken) {
    EXPECT_EQ(keys.size(), static_cast<size_t>(kPerThread)) << "every call got a key";
    for (const auto& key : keys) {
      EXPECT_TRUE(distinct.insert(key).second) << key << " was handed out twice";
      ASSERT_OK_AND_ASSIGN(const bool stored, vault->HasKey("0657", key));
      EXPECT_TRUE(stored) << key;
    }
  }
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST(PersonalDataVaultTest, KeysAreKeptPerTenantAcrossAReopen) {
  trappe::testing::TempDir dir;
  std::vector<std::string> herning;
  std::string aarhus;
  v1::PersonalData data;
  data.set_cpr_number("0101101234");
  data.set_given_name("Ada");
  v1::EncryptedPersonalData sealed;
  {
    ASSERT_OK_AND_ASSIGN(auto vault, PersonalDataVault::Open(dir.Sub("keys"), kMasterKey));
    for (size_t i = 0; i < PersonalDataVault::kKeyBatch + 5; ++i) {
      ASSERT_OK_AND_ASSIGN(std::string key, vault->TakeNewKey("0657"));
      herning.push_back(std::move(key));
    }
    ASSERT_OK_AND_ASSIGN(aarhus, vault->TakeNewKey("0751"));
    ASSERT_OK_AND_ASSIGN(sealed, vault->Seal("0657", "child-1", herning.front(), data));
  }
  ASSERT_OK_AND_ASSIGN(auto vault, PersonalDataVault::Open(dir.Sub("keys"), kMasterKey));
  for (const auto& key : herning) {
    ASSERT_OK_AND_ASSIGN(const bool stored, vault->HasKey("0657", key));
    EXPECT_TRUE(stored) << key;
  }
  ASSERT_OK_AND_ASSIGN(const bool in_aarhus, vault->HasKey("0751", aarhus));
  EXPECT_TRUE(in_aarhus);
  ASSERT_OK_AND_ASSIGN(const bool crossed, vault->HasKey("0751", herning.front()));
  EXPECT_FALSE(crossed) << "a key belongs to its tenant";
  ASSERT_OK_AND_ASSIGN(const v1::PersonalData opened, vault->Open("0657", "child-1", sealed));
  EXPECT_EQ(opened.cpr_number(), "0101101234");
  EXPECT_EQ(opened.given_name(), "Ada");
  // A key handed out before the reopen is not handed out again after it.
  for (size_t i = 0; i < PersonalDataVault::kKeyBatch; ++i) {
    ASSERT_OK_AND_ASSIGN(const std::string key, vault->TakeNewKey("0657"));
    EXPECT_THAT(herning, ::testing::Not(::testing::Contains(key)));
  }
}

// The keys of one batch are drawn together: each must still be a key of its own, and
// every sealing a nonce of its own.
TEST(PersonalDataVaultTest, KeysOfABatchAndNoncesOfSealingsAreAllDifferent) {
  trappe::testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto vault, PersonalDataVault::Open(dir.Sub("keys"), kMasterKey));
  std::vector<std::string> keys;
  for (size_t i = 0; i < PersonalDataVault::kKeyBatch; ++i) {
    ASSERT_OK_AND_ASSIGN(std::string key, vault->TakeNewKey("0657"));
    keys.push_back(std::move(key));
  }
  v1::PersonalData data;
  data.set_cpr_number("0101101234");
  std::set<std::string> nonces;
  for (size_t i = 0; i < keys.size(); ++i) {
    ASSERT_OK_AND_ASSIGN(v1::EncryptedPersonalData sealed,
                         vault->Seal("0657", "child-1", keys[i], data));
    EXPECT_TRUE(nonces.insert(sealed.nonce()).second) << "nonce repeated at sealing " << i;
    ASSERT_OK_AND_ASSIGN(const v1::PersonalData opened, vault->Open("0657", "child-1", sealed));
    EXPECT_EQ(opened.cpr_number(), "0101101234");
    // Named as sealed by the batch's next key, the data must not open.
    sealed.set_key_id(keys[(i + 1) % keys.size()]);
    EXPECT_STATUS(vault->Open("0657", "child-1", sealed), StatusCode::kDataLoss, "does not open");
  }
}

// A backup of the key store opens as a key store: the keys it held when copied seal and
// open as before, also after the original erased one (the copy keeps it until it is
// destroyed: docs/operations.md), and a key taken after the copy is not in it.
TEST(PersonalDataVaultTest, ABackupHoldsTheKeysAsTheyWereWhenCopied) {
  trappe::testing::TempDir dir;
  v1::PersonalData data;
  data.set_cpr_number("0101101234");
  data.set_given_name("Ada");
  ASSERT_OK_AND_ASSIGN(auto vault, PersonalDataVault::Open(dir.Sub("keys"), kMasterKey));
  ASSERT_OK_AND_ASSIGN(const std::string kept, vault->TakeNewKey("0657"));
  ASSERT_OK_AND_ASSIGN(const v1::EncryptedPersonalData sealed,
                       vault->Seal("0657", "child-1", kept, data));
  ASSERT_OK(vault->Backup(dir.Sub("backup")));
  EXPECT_STATUS(vault->Backup(dir.Sub("backup")), StatusCode::kAlreadyExists, "backup");
  ASSERT_OK(vault->EraseKey("0657", kept));
  ASSERT_OK_AND_ASSIGN(const bool still_here, vault->HasKey("0657", kept));
  EXPECT_FALSE(still_here);
  // Past the batch the backup may already hold, so the next key is stored after the copy.
  std::string later;
  for (size_t i = 0; i <= PersonalDataVault::kKeyBatch; ++i) {
    ASSERT_OK_AND_ASSIGN(later, vault->TakeNewKey("0657"));
  }
  vault.reset();

  ASSERT_OK_AND_ASSIGN(auto copy, PersonalDataVault::Open(dir.Sub("backup"), kMasterKey));
  ASSERT_OK_AND_ASSIGN(const bool copied, copy->HasKey("0657", kept));
  EXPECT_TRUE(copied);
  ASSERT_OK_AND_ASSIGN(const v1::PersonalData opened, copy->Open("0657", "child-1", sealed));
  EXPECT_EQ(opened.cpr_number(), "0101101234");
  ASSERT_OK_AND_ASSIGN(const bool not_yet, copy->HasKey("0657", later));
  EXPECT_FALSE(not_yet);
}

}  // namespace
}  // namespace trappe::cases
