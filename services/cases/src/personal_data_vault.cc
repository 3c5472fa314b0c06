#include "personal_data_vault.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>
#include <sodium.h>

#include <filesystem>
#include <mutex>

#include "trappe/common/ids.h"

namespace trappe::cases {
namespace {

constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "trappecs";
constexpr uint64_t kBlindIndexSubkey = 1;
constexpr uint64_t kWrappingSubkey = 2;

bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* Bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

std::string StoreKey(std::string_view tenant, std::string_view key_id) {
  std::string key(tenant);
  key += '/';
  key += key_id;
  return key;
}

std::string Derive(const std::string& master_key, uint64_t subkey) {
  std::string out(32, '\0');
  crypto_kdf_derive_from_key(Bytes(out), out.size(), subkey, kKdfContext, Bytes(master_key));
  return out;
}

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  return Unavailable("key store: " + std::string(what) + ": " + s.ToString());
}

}  // namespace

Result<std::unique_ptr<PersonalDataVault>> PersonalDataVault::Open(const std::string& directory,
                                                                   const std::string& master_key) {
  if (!SodiumReady()) return Internal("libsodium could not be initialised");
  if (master_key.size() != crypto_kdf_KEYBYTES) {
    return InvalidArgument("master_key", "must be 32 bytes");
  }
  rocksdb::Options options;
  options.create_if_missing = true;
  // Old WAL files would keep a deleted key's bytes: delete them as soon as obsolete.
  options.WAL_ttl_seconds = 0;
  options.WAL_size_limit_MB = 0;
  options.recycle_log_file_num = 0;
  rocksdb::DB* raw = nullptr;
  TRAPPE_RETURN_IF_ERROR(FromRocks(rocksdb::DB::Open(options, directory, &raw), "open"));
  return std::unique_ptr<PersonalDataVault>(new PersonalDataVault(
      std::unique_ptr<rocksdb::DB>(raw), Derive(master_key, kBlindIndexSubkey),
      Derive(master_key, kWrappingSubkey)));
}

PersonalDataVault::PersonalDataVault(std::unique_ptr<rocksdb::DB> db, std::string blind_index_key,
                                     std::string wrapping_key)
    : db_(std::move(db)),
      blind_index_key_(std::move(blind_index_key)),
      wrapping_key_(std::move(wrapping_key)) {}

PersonalDataVault::~PersonalDataVault() {
  sodium_memzero(const_cast<char*>(wrapping_key_.data()), wrapping_key_.size());
  sodium_memzero(const_cast<char*>(blind_index_key_.data()), blind_index_key_.size());
}

std::string PersonalDataVault::BlindIndex(std::string_view tenant, std::string_view cpr10) const {
  std::string message(tenant);
  message += '/';
  message += cpr10;
  std::string mac(crypto_auth_hmacsha256_BYTES, '\0');
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, Bytes(blind_index_key_), blind_index_key_.size());
  crypto_auth_hmacsha256_update(&state, Bytes(message), message.size());
  crypto_auth_hmacsha256_final(&state, Bytes(mac));
  sodium_memzero(message.data(), message.size());
  return mac;
}

std::string PersonalDataVault::WrapNewKey(std::string_view tenant, std::string_view key_id,
                                          std::string_view data_key) const {
  const std::string ad = "key/" + StoreKey(tenant, key_id);
  std::string wrapped(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + data_key.size() +
                          crypto_aead_xchacha20poly1305_ietf_ABYTES,
                      '\0');
  RandomPublicBytes(Bytes(wrapped), crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  unsigned long long length = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      Bytes(wrapped) + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &length, Bytes(data_key),
      data_key.size(), Bytes(ad), ad.size(), nullptr, Bytes(wrapped), Bytes(wrapping_key_));
  return wrapped;
}

Result<std::string> PersonalDataVault::TakeNewKey(std::string_view tenant) {
  std::lock_guard lock(fresh_mu_);
  std::vector<std::string>& fresh = fresh_[std::string(tenant)];
  if (fresh.empty()) {
    // The batch's keys in one draw from the kernel instead of a system call per key,
    // wiped as soon as they are wrapped.
    constexpr size_t kKeyBytes = crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
    std::string keys(kKeyBatch * kKeyBytes, '\0');
    randombytes_buf(Bytes(keys), keys.size());
    std::vector<std::string> ids;
    rocksdb::WriteBatch batch;
    Status added;
    for (size_t i = 0; i < kKeyBatch && added.ok(); ++i) {
      std::string key_id = NewUuid();
      const std::string wrapped =
          WrapNewKey(tenant, key_id, std::string_view(keys).substr(i * kKeyBytes, kKeyBytes));
      added = FromRocks(batch.Put(StoreKey(tenant, key_id), wrapped), "batch");
      ids.push_back(std::move(key_id));
    }
    sodium_memzero(keys.data(), keys.size());
    TRAPPE_RETURN_IF_ERROR(added);
    rocksdb::WriteOptions write;
    write.sync = true;  // a key lost after its data was logged would lose the data
    TRAPPE_RETURN_IF_ERROR(FromRocks(db_->Write(write, &batch), "put"));
    fresh = std::move(ids);
  }
  std::string key_id = std::move(fresh.back());
  fresh.pop_back();
  return key_id;
}

Result<bool> PersonalDataVault::HasKey(std::string_view tenant, std::string_view key_id) const {
  std::string value;
  const rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), StoreKey(tenant, key_id), &value);
  if (s.IsNotFound()) return false;
  TRAPPE_RETURN_IF_ERROR(FromRocks(s, "get"));
  return true;
}

Result<std::string> PersonalDataVault::DataKey(std::string_view tenant,
                                               std::string_view key_id) const {
  std::string wrapped;
  const rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), StoreKey(tenant, key_id), &wrapped);
  if (s.IsNotFound()) return NotFound("the data key is erased");
  TRAPPE_RETURN_IF_ERROR(FromRocks(s, "get"));
  constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  constexpr size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
  if (wrapped.size() != kNonce + crypto_aead_xchacha20poly1305_ietf_KEYBYTES + kTag) {
    return DataLoss("key store: a wrapped key has the wrong size");
  }
  const std::string ad = "key/" + StoreKey(tenant, key_id);
  std::string data_key(crypto_aead_xchacha20poly1305_ietf_KEYBYTES, '\0');
  unsigned long long length = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          Bytes(data_key), &length, nullptr, Bytes(wrapped) + kNonce, wrapped.size() - kNonce,
          Bytes(ad), ad.size(), Bytes(wrapped), Bytes(wrapping_key_)) != 0) {
    return DataLoss("key store: a data key does not unwrap (wrong master key?)");
  }
  return data_key;
}

Result<v1::EncryptedPersonalData> PersonalDataVault::Seal(std::string_view tenant,
                                                          std::string_view child_id,
                                                          std::string_view key_id,
                                                          const v1::PersonalData& data) const {
  TRAPPE_ASSIGN_OR_RETURN(std::string key, DataKey(tenant, key_id));
  std::string plain = data.SerializeAsString();
  const std::string ad = StoreKey(tenant, child_id);
  std::string nonce(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, '\0');
  RandomPublicBytes(Bytes(nonce), nonce.size());
  std::string cipher(plain.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  unsigned long long length = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(Bytes(cipher), &length, Bytes(plain), plain.size(),
                                             Bytes(ad), ad.size(), nullptr, Bytes(nonce),
                                             Bytes(key));
  sodium_memzero(plain.data(), plain.size());
  sodium_memzero(key.data(), key.size());
  cipher.resize(length);
  v1::EncryptedPersonalData sealed;
  sealed.set_ciphertext(std::move(cipher));
  sealed.set_nonce(std::move(nonce));
  sealed.set_key_id(std::string(key_id));
  sealed.set_algorithm(std::string(kAeadAlgorithm));
  return sealed;
}

Result<v1::PersonalData> PersonalDataVault::Open(std::string_view tenant, std::string_view child_id,
                                                 const v1::EncryptedPersonalData& sealed) const {
  if (sealed.algorithm() != kAeadAlgorithm) {
    return DataLoss("personal data sealed with an unknown algorithm '" + sealed.algorithm() + "'");
  }
  if (sealed.nonce().size() != crypto_aead_xchacha20poly1305_ietf_NPUBBYTES ||
      sealed.ciphertext().size() < crypto_aead_xchacha20poly1305_ietf_ABYTES) {
    return DataLoss("sealed personal data is malformed");
  }
  TRAPPE_ASSIGN_OR_RETURN(std::string key, DataKey(tenant, sealed.key_id()));
  const std::string ad = StoreKey(tenant, child_id);
  std::string plain(sealed.ciphertext().size() - crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  unsigned long long length = 0;
  const int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
      Bytes(plain), &length, nullptr, Bytes(sealed.ciphertext()), sealed.ciphertext().size(),
      Bytes(ad), ad.size(), Bytes(sealed.nonce()), Bytes(key));
  sodium_memzero(key.data(), key.size());
  if (rc != 0) return DataLoss("sealed personal data does not open (tampered or misfiled)");
  v1::PersonalData data;
  const bool parsed = data.ParseFromArray(plain.data(), static_cast<int>(length));
  sodium_memzero(plain.data(), plain.size());
  if (!parsed) return DataLoss("sealed personal data does not parse");
  return data;
}

Status PersonalDataVault::EraseKey(std::string_view tenant, std::string_view key_id) {
  std::lock_guard lock(erase_mu_);
  rocksdb::WriteOptions write;
  write.sync = true;
  TRAPPE_RETURN_IF_ERROR(FromRocks(db_->Delete(write, StoreKey(tenant, key_id)), "delete"));
  // Push the deletion into SST files, then rewrite every file so that neither the memtable's
  // WAL nor an older SST keeps the wrapped key.
  rocksdb::FlushOptions flush;
  flush.wait = true;
  TRAPPE_RETURN_IF_ERROR(FromRocks(db_->Flush(flush), "flush"));
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  TRAPPE_RETURN_IF_ERROR(FromRocks(db_->CompactRange(compact, nullptr, nullptr), "compact"));
  return FromRocks(db_->FlushWAL(true), "flush wal");
}

Status PersonalDataVault::Backup(const std::string& directory) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(directory, ec);
  if (ec) return Unavailable("cannot look at " + directory + ": " + ec.message());
  if (exists) return AlreadyExists("backup directory " + directory + " already exists");
  // RocksDB creates the directory itself, not its parents.
  std::filesystem::create_directories(std::filesystem::path(directory).parent_path(), ec);
  if (ec) return Unavailable("cannot create the parent of " + directory + ": " + ec.message());
  std::lock_guard lock(erase_mu_);
  rocksdb::Checkpoint* raw = nullptr;
  TRAPPE_RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(db_.get(), &raw), "checkpoint"));
  const std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // Flushed first (log_size_for_flush 0): the copy is table files plus the WAL beyond them.
  if (const rocksdb::Status s = checkpoint->CreateCheckpoint(directory, 0); !s.ok()) {
    std::filesystem::remove_all(directory, ec);
    return Unavailable("cannot write the key store's backup to " + directory + ": " + s.ToString());
  }
  return Status::Ok();
}

}  // namespace trappe::cases
