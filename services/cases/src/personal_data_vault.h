// PersonalDataVault: the children's data keys and the cryptography around personal data
// (DESIGN.md section 7).
//
// - Each child has a random 32-byte data key; personal data is sealed with
//   XChaCha20-Poly1305-IETF under it, the associated data "<tenant>/<child_id>" binding the
//   ciphertext to its child.
// - Data keys live in the key store, a RocksDB of their own (NOT part of the rebuildable
//   projection: keys cannot be derived from the log), each wrapped with a key derived from
//   the master key. Erasing a key deletes it, flushes and compacts the store so that no
//   file keeps its bytes (crypto-shredding).
// - The CPR blind index is HMAC-SHA-256 over "<tenant>/<10 CPR digits>" with a key derived
//   from the master key, so one configured secret suffices.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "trappe/cases/v1/types.pb.h"
#include "trappe/common/status.h"

namespace rocksdb {
class DB;
}  // namespace rocksdb

namespace trappe::cases {

inline constexpr std::string_view kAeadAlgorithm = "xchacha20poly1305-ietf";

class PersonalDataVault {
 public:
  // Opens (or creates) the key store in `directory`; `master_key` has 32 bytes.
  [[nodiscard]] static Result<std::unique_ptr<PersonalDataVault>> Open(
      const std::string& directory, const std::string& master_key);
  ~PersonalDataVault();

  // The 32-byte blind index of a normalised (10-digit) CPR number in `tenant`.
  std::string BlindIndex(std::string_view tenant, std::string_view cpr10) const;

  // The id of a fresh data key of `tenant`, durably stored before this returns, used by
  // no one else. Keys are made kKeyBatch at a time in one synced write, so a new child
  // costs a key store fsync only once per batch; a restart leaves the unused keys of a
  // batch behind (random keys that seal nothing).
  [[nodiscard]] Result<std::string> TakeNewKey(std::string_view tenant);
  static constexpr size_t kKeyBatch = 32;
  // True if the key exists (not erased).
  [[nodiscard]] Result<bool> HasKey(std::string_view tenant, std::string_view key_id) const;

  [[nodiscard]] Result<v1::EncryptedPersonalData> Seal(std::string_view tenant,
                                                       std::string_view child_id,
                                                       std::string_view key_id,
                                                       const v1::PersonalData& data) const;
  // NOT_FOUND when the key is erased; DATA_LOSS when the ciphertext does not open.
  [[nodiscard]] Result<v1::PersonalData> Open(std::string_view tenant, std::string_view child_id,
                                              const v1::EncryptedPersonalData& sealed) const;

  // Deletes the key and makes the store drop its bytes from disk. Idempotent.
  [[nodiscard]] Status EraseKey(std::string_view tenant, std::string_view key_id);
  // Writes a consistent copy of the key store into `directory` (which must not exist),
  // while the vault is in use; never in the middle of an erasure. The copy holds the keys
  // as they are now: a key erased later stays in it until the copy is destroyed.
  [[nodiscard]] Status Backup(const std::string& directory);

 private:
  PersonalDataVault(std::unique_ptr<rocksdb::DB> db, std::string blind_index_key,
                    std::string wrapping_key);
  Result<std::string> DataKey(std::string_view tenant, std::string_view key_id) const;
  // `data_key` (fresh random bytes) for `key_id`, wrapped for storage.
  std::string WrapNewKey(std::string_view tenant, std::string_view key_id,
                         std::string_view data_key) const;

  std::unique_ptr<rocksdb::DB> db_;
  const std::string blind_index_key_;
  const std::string wrapping_key_;
  std::mutex erase_mu_;
  std::mutex fresh_mu_;
  // Per tenant: ids of stored keys not handed out yet. Guarded by fresh_mu_.
  std::map<std::string, std::vector<std::string>> fresh_;
};

}  // namespace trappe::cases
