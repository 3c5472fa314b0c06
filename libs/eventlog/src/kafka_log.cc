// The Kafka backend (see kafka_log.h).
//
// Append produces each record to the partition PartitionForKey chooses, with a pointer to
// its slot in the call's state as the message opaque, then waits until librdkafka has
// delivered a report for every record it accepted. librdkafka guarantees one report per
// message (success, failure, or timeout after message.timeout.ms), served here by one
// poller thread, so an Append always ends, within the delivery timeout, and the reports
// carry the offsets the broker assigned. Any failed report fails the Append.
#include "trappe/eventlog/kafka_log.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "kafka_util.h"
#include "trappe/common/log.h"

namespace trappe::eventlog {
namespace {

using internal::StatusFromKafka;
using Clock = std::chrono::steady_clock;

// Properties Trappe sets itself, refused in the pass-through maps.
constexpr std::pair<const char*, const char*> kReservedProperties[] = {
    {"enable.idempotence", "the log's producer is always idempotent"},
    {"acks", "the log always waits for all in-sync replicas"},
    {"request.required.acks", "the log always waits for all in-sync replicas"},
    {"max.in.flight.requests.per.connection", "set by the idempotent producer"},
    {"max.in.flight", "set by the idempotent producer"},
    {"retries", "set by the idempotent producer"},
    {"message.send.max.retries", "set by the idempotent producer"},
    {"transactional.id", "the log does not use transactions"},
    {"partitioner", "Trappe chooses partitions itself (murmur2)"},
    {"enable.auto.commit", "offsets are never committed to Kafka"},
    {"enable.auto.offset.store", "offsets are never committed to Kafka"},
    {"auto.offset.reset", "a reader never silently skips records"},
    {"enable.partition.eof", "set by the log"},
    {"bootstrap.servers", "use bootstrap_servers (the URL's host list)"},
    {"metadata.broker.list", "use bootstrap_servers (the URL's host list)"},
    {"group.id", "use consumer_group_id"},
    {"client.id", "use client_id"},
    {"message.timeout.ms", "use delivery_timeout"},
    {"delivery.timeout.ms", "use delivery_timeout"},
    {"dr_cb", "set by the log"},
    {"dr_msg_cb", "set by the log"},
    {"event_cb", "set by the log"},
};

int ToMillis(std::chrono::milliseconds d) {
  return static_cast<int>(std::clamp<int64_t>(d.count(), 0, 24 * 3600 * 1000));
}

Status CheckPassThrough(const std::map<std::string, std::string>& properties) {
  for (const auto& [name, value] : properties) {
    for (const auto& [reserved, why] : kReservedProperties) {
      if (name == reserved) {
        return InvalidArgument("kafka property " + name, std::string("cannot be set: ") + why);
      }
    }
  }
  return Status::Ok();
}

// Every mapped name is a legal topic, and no two logical topics share a physical one.
Status CheckTopicNames(const KafkaLogOptions& o) {
  if (!o.topic_prefix.empty()) {
    TRAPPE_RETURN_IF_ERROR(ValidateTopicName(o.topic_prefix + std::string(kCaseEventsTopic))
                               .WithContext("topic_prefix '" + o.topic_prefix + "'"));
  }
  std::map<std::string, std::string> logical_of;
  for (std::string_view logical : {kCaseEventsTopic, kOrgEventsTopic}) {
    if (!o.topic_names.contains(std::string(logical))) {
      logical_of[o.topic_prefix + std::string(logical)] = logical;
    }
  }
  for (const auto& [logical, physical] : o.topic_names) {
    TRAPPE_RETURN_IF_ERROR(ValidateTopicName(logical));
    TRAPPE_RETURN_IF_ERROR(ValidateTopicName(physical).WithContext("topic_names[" + logical + "]"));
    auto [it, fresh] = logical_of.emplace(physical, logical);
    if (!fresh && it->second != logical) {
      return InvalidArgument("topic_names[" + logical + "]",
                             "maps to " + physical + ", which already holds " + it->second);
    }
  }
  return Status::Ok();
}

Status Set(RdKafka::Conf* conf, const std::string& name, const std::string& value) {
  std::string error;
  if (conf->set(name, value, error) != RdKafka::Conf::CONF_OK) {
    return InvalidArgument("kafka property " + name, error);
  }
  return Status::Ok();
}

Status SetAll(RdKafka::Conf* conf, const std::map<std::string, std::string>& properties) {
  for (const auto& [name, value] : properties) TRAPPE_RETURN_IF_ERROR(Set(conf, name, value));
  return Status::Ok();
}

// State shared by the log and its subscriptions, which may outlive it.
struct Shared {
  KafkaLogOptions options;
  internal::EventLogger events;
  std::atomic<bool> closed{false};

  std::mutex subscriptions_mu;
  std::set<class KafkaSubscription*> subscriptions;  // live ones, woken by Close

  // The Kafka topic that holds the logical topic `topic` (KafkaLogOptions::topic_names).
  std::string Physical(std::string_view topic) const {
    auto it = options.topic_names.find(std::string(topic));
    if (it != options.topic_names.end()) return it->second;
    return options.topic_prefix + std::string(topic);
  }
  // "logical" or "logical (Kafka topic physical)" for messages.
  std::string Describe(std::string_view topic) const {
    const std::string physical = Physical(topic);
    if (physical == topic) return physical;
    return std::string(topic) + " (Kafka topic " + physical + ")";
  }
};

// ---------------------------------------------------------------------------------------
// Appending

struct AppendCall {
  struct Slot {
    AppendCall* call;
    size_t index;
  };

  AppendCall(std::string topic_name, std::string physical_name, size_t n)
      : topic(std::move(topic_name)), physical(std::move(physical_name)), positions(n) {
    slots.reserve(n);
    for (size_t i = 0; i < n; ++i) slots.push_back({this, i});
  }

  const std::string topic;     // logical: what positions carry
  const std::string physical;  // the Kafka topic
  std::atomic<bool>* recheck = nullptr;  // the log's: set by a failed delivery
  std::vector<Slot> slots;
  std::mutex mu;
  std::condition_variable reported;
  std::vector<Position> positions;  // guarded by mu
  size_t outstanding = 0;           // produced and not yet reported; guarded by mu
  Status error;                     // the first failure; guarded by mu
};

class DeliveryReporter final : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& message) override {
    auto* slot = static_cast<AppendCall::Slot*>(message.msg_opaque());
    if (slot != nullptr) Report(*slot, message);
    if (queue_waiters_.load() > 0) {
      std::lock_guard lock(space_mu_);
      space_.notify_all();
    }
  }

  // Waits (up to `limit`) until a delivery report frees room in librdkafka's queue.
  void WaitForQueueSpace(std::chrono::milliseconds limit) {
    std::unique_lock lock(space_mu_);
    ++queue_waiters_;
    space_.wait_for(lock, limit);
    --queue_waiters_;
  }

 private:
  static void Report(const AppendCall::Slot& slot, RdKafka::Message& message) {
    AppendCall* call = slot.call;
    call->recheck->store(message.err() != RdKafka::ERR_NO_ERROR);
    std::lock_guard lock(call->mu);
    if (message.err() == RdKafka::ERR_NO_ERROR && message.offset() >= 0) {
      call->positions[slot.index] = Position{call->topic, message.partition(), message.offset()};
    } else if (call->error.ok()) {
      if (message.err() == RdKafka::ERR_NO_ERROR) {
        call->error = Internal("the broker acknowledged a record of " + call->topic +
                               " without reporting its offset");
      } else {
        const bool maybe_stored =
            message.status() == RdKafka::Message::MSG_STATUS_POSSIBLY_PERSISTED;
        call->error = StatusFromKafka(
            message.err(), "append to " + call->topic + " failed",
            maybe_stored ? std::string(kMayHaveWrittenMarker) : std::string());
      }
    }
    if (--call->outstanding == 0) call->reported.notify_all();
  }

  std::mutex space_mu_;
  std::condition_variable space_;
  std::atomic<int> queue_waiters_{0};
};

// ---------------------------------------------------------------------------------------
// Reading

class KafkaSubscription final : public Subscription {
 public:
  struct Cursor {
    std::string topic;     // logical: what records carry
    std::string physical;  // the Kafka topic
    int32_t partition;
    int64_t next;
  };

  KafkaSubscription(std::shared_ptr<Shared> shared, std::unique_ptr<RdKafka::KafkaConsumer> consumer,
                    std::vector<Cursor> cursors)
      : shared_(std::move(shared)), consumer_(std::move(consumer)), cursors_(std::move(cursors)) {
    queue_ = rd_kafka_queue_get_consumer(consumer_->c_ptr());
    std::lock_guard lock(shared_->subscriptions_mu);
    shared_->subscriptions.insert(this);
  }

  ~KafkaSubscription() override {
    {
      std::lock_guard lock(shared_->subscriptions_mu);
      shared_->subscriptions.erase(this);
    }
    if (queue_ != nullptr) rd_kafka_queue_destroy(queue_);
    consumer_->close();
  }

  Result<std::vector<StoredRecord>> Poll(size_t max_records,
                                         std::chrono::milliseconds timeout) override;

  void Wake() override {
    wake_requested_ = true;
    if (queue_ != nullptr) rd_kafka_queue_yield(queue_);
  }

 private:
  // Accepts the next message of a partition; a repeat is dropped, a gap is DATA_LOSS.
  Status Accept(RdKafka::Message& message, std::vector<StoredRecord>* out);

  std::shared_ptr<Shared> shared_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  rd_kafka_queue_t* queue_ = nullptr;  // the consumer queue, to yield a blocked consume()
  std::vector<Cursor> cursors_;
  std::atomic<bool> wake_requested_{false};
  Status failed_;  // sticky: a subscription that lost its place stays failed
};

Status KafkaSubscription::Accept(RdKafka::Message& message, std::vector<StoredRecord>* out) {
  const char* topic = rd_kafka_topic_name(message.c_ptr()->rkt);
  Cursor* cursor = nullptr;
  for (Cursor& c : cursors_) {
    if (c.partition == message.partition() && c.physical == topic) cursor = &c;
  }
  if (cursor == nullptr) return Status::Ok();  // not ours (cannot happen with assign)
  const int64_t offset = message.offset();
  if (offset < cursor->next) return Status::Ok();  // already returned once
  if (offset > cursor->next) {
    return DataLoss("records " + cursor->topic + "/" + std::to_string(cursor->partition) + "@" +
                    std::to_string(cursor->next) + " to @" + std::to_string(offset - 1) +
                    " are missing from Kafka");
  }
  StoredRecord& record = out->emplace_back();
  record.position = Position{cursor->topic, cursor->partition, offset};
  if (message.key_pointer() != nullptr) {
    record.key.assign(static_cast<const char*>(message.key_pointer()), message.key_len());
  }
  if (message.payload() != nullptr) {
    record.value.assign(static_cast<const char*>(message.payload()), message.len());
  }
  if (RdKafka::Headers* headers = message.headers(); headers != nullptr) {
    for (const RdKafka::Headers::Header& h : headers->get_all()) {
      Header& header = record.headers.emplace_back();
      header.key = h.key();
      if (h.value() != nullptr) header.value.assign(static_cast<const char*>(h.value()), h.value_size());
    }
  }
  record.append_time_ms = message.timestamp().timestamp;
  ++cursor->next;
  return Status::Ok();
}

Result<std::vector<StoredRecord>> KafkaSubscription::Poll(size_t max_records,
                                                          std::chrono::milliseconds timeout) {
  if (max_records == 0) return InvalidArgument("max_records", "must be > 0");
  if (!failed_.ok()) return failed_;
  const auto deadline = Clock::now() + timeout;
  std::vector<StoredRecord> out;
  while (out.size() < max_records) {
    if (shared_->closed) return Unavailable("event log is closed");
    if (wake_requested_.exchange(false)) break;
    // Block only for the first record; then take what has already arrived.
    const auto now = Clock::now();
    const int wait_ms =
        out.empty() && now < deadline
            ? std::max(1, ToMillis(std::chrono::ceil<std::chrono::milliseconds>(deadline - now)))
            : 0;
    std::unique_ptr<RdKafka::Message> message(consumer_->consume(wait_ms));
    switch (message->err()) {
      case RdKafka::ERR_NO_ERROR: {
        Status accepted = Accept(*message, &out);
        if (!accepted.ok()) {
          failed_ = accepted;
          return failed_;
        }
        break;
      }
      case RdKafka::ERR__TIMED_OUT:
      case RdKafka::ERR__TIMED_OUT_QUEUE:
        if (!out.empty() || Clock::now() >= deadline) return out;
        break;  // yielded by Wake (checked above) or woken early: wait on
      case RdKafka::ERR__PARTITION_EOF:
        break;
      case RdKafka::ERR__AUTO_OFFSET_RESET:
      case RdKafka::ERR_OFFSET_OUT_OF_RANGE:
        failed_ = StatusFromKafka(message->err(),
                                  "a subscription's position is no longer in Kafka's log",
                                  message->errstr());
        return failed_;
      case RdKafka::ERR__FATAL:
        failed_ = StatusFromKafka(message->err(), "the Kafka consumer failed", message->errstr());
        return failed_;
      default:
        // Transport and broker errors are retried by librdkafka; they delay, never skip.
        log::Warn("eventlog.kafka.consume_error",
                  {{"error", RdKafka::err2str(message->err())}, {"detail", message->errstr()}});
        if (!out.empty() || Clock::now() >= deadline) return out;
        break;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// The log

class KafkaLog final : public EventLog {
 public:
  explicit KafkaLog(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
  ~KafkaLog() override { Close(); }

  Status Start();

  Result<std::vector<Position>> Append(std::string_view topic, std::vector<Record> records) override;
  Result<std::unique_ptr<Subscription>> Subscribe(std::vector<TopicPartitionOffset> from) override;
  Result<int32_t> PartitionCount(std::string_view topic) override;
  Result<std::vector<int64_t>> EndOffsets(std::string_view topic) override;
  Status Backup(const std::string& /*directory*/) override {
    return Unimplemented(
        "a Kafka event log is kept by its cluster: its replicas (and the cluster's own "
        "backups or mirrors) are its copies, not this process's to write");
  }
  void Close() override;

 private:
  // Counts a call in flight, so Close waits for it before freeing the producer.
  class CallGuard {
   public:
    explicit CallGuard(KafkaLog* log) : log_(log) {
      std::lock_guard lock(log_->mu_);
      admitted_ = !log_->closed_;
      if (admitted_) ++log_->active_calls_;
    }
    ~CallGuard() {
      if (!admitted_) return;
      std::lock_guard lock(log_->mu_);
      if (--log_->active_calls_ == 0) log_->calls_done_.notify_all();
    }
    bool admitted() const { return admitted_; }

   private:
    KafkaLog* log_;
    bool admitted_ = false;
  };

  Result<int32_t> PartitionCountFor(std::string_view topic);
  Result<std::pair<int64_t, int64_t>> Watermarks(const std::string& topic, int32_t partition);
  Result<std::unique_ptr<RdKafka::KafkaConsumer>> NewConsumer();

  std::shared_ptr<Shared> shared_;
  DeliveryReporter reporter_;  // before producer_: must outlive it
  std::unique_ptr<RdKafka::Producer> producer_;
  size_t max_message_bytes_ = 1000000;
  std::thread poller_;
  std::atomic<bool> stop_poller_{false};
  // Set when a delivery failed, cleared by a delivery or a metadata probe that succeeds.
  // While set, an Append first asks the cluster for its metadata: during an outage a
  // command then fails fast (and writes nothing) instead of each waiting for the delivery
  // timeout, and the fresh metadata clears a topic error librdkafka would otherwise keep
  // until its periodic refresh (minutes), e.g. after a transient authorization failure.
  std::atomic<bool> recheck_{false};

  std::mutex meta_mu_;
  std::map<std::string, int32_t, std::less<>> partition_counts_;  // never change once seen

  std::mutex mu_;
  std::condition_variable calls_done_;
  int active_calls_ = 0;
  bool closed_ = false;
  bool close_done_ = false;
};

Status KafkaLog::Start() {
  const KafkaLogOptions& o = shared_->options;
  if (o.bootstrap_servers.empty()) return InvalidArgument("bootstrap_servers", "must not be empty");
  if (o.delivery_timeout.count() <= 0) return InvalidArgument("delivery_timeout", "must be positive");
  if (o.operation_timeout.count() <= 0) return InvalidArgument("operation_timeout", "must be positive");
  if (o.consumer_group_id.empty()) return InvalidArgument("consumer_group_id", "must not be empty");
  TRAPPE_RETURN_IF_ERROR(CheckPassThrough(o.properties));
  TRAPPE_RETURN_IF_ERROR(CheckPassThrough(o.producer_properties));
  TRAPPE_RETURN_IF_ERROR(CheckPassThrough(o.consumer_properties));
  TRAPPE_RETURN_IF_ERROR(CheckTopicNames(o));

  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  TRAPPE_RETURN_IF_ERROR(Set(conf.get(), "bootstrap.servers", o.bootstrap_servers));
  TRAPPE_RETURN_IF_ERROR(Set(conf.get(), "client.id", o.client_id));
  TRAPPE_RETURN_IF_ERROR(Set(conf.get(), "enable.idempotence", "true"));
  TRAPPE_RETURN_IF_ERROR(Set(conf.get(), "acks", "all"));
  TRAPPE_RETURN_IF_ERROR(
      Set(conf.get(), "message.timeout.ms", std::to_string(ToMillis(o.delivery_timeout))));
  // Defaults a deployment may override: a short linger and no Nagle delay (an Append
  // waits for its records), and a deep queue (many concurrent appenders).
  TRAPPE_RETURN_IF_ERROR(Set(conf.get(), "linger.ms", "1"));
  TRAPPE_RETURN_IF_ERROR(Set(conf.get(), "socket.nagle.disable", "true"));
  TRAPPE_RETURN_IF_ERROR(Set(conf.get(), "queue.buffering.max.messages", "1000000"));
  // Reconnect within a second of a broker's return (librdkafka backs off up to 10 s).
  TRAPPE_RETURN_IF_ERROR(Set(conf.get(), "reconnect.backoff.max.ms", "1000"));
  TRAPPE_RETURN_IF_ERROR(SetAll(conf.get(), o.properties));
  TRAPPE_RETURN_IF_ERROR(SetAll(conf.get(), o.producer_properties));
  std::string error;
  if (conf->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(&reporter_), error) !=
          RdKafka::Conf::CONF_OK ||
      conf->set("event_cb", static_cast<RdKafka::EventCb*>(&shared_->events), error) !=
          RdKafka::Conf::CONF_OK) {
    return Internal("cannot set librdkafka callbacks: " + error);
  }
  std::string max_bytes;
  if (conf->get("message.max.bytes", max_bytes) == RdKafka::Conf::CONF_OK) {
    max_message_bytes_ = static_cast<size_t>(std::stoll(max_bytes));
  }
  producer_.reset(RdKafka::Producer::create(conf.get(), error));
  if (!producer_) return InvalidArgument("kafka configuration", error);

  poller_ = std::thread([this] {
    while (!stop_poller_.load()) producer_->poll(1000);
  });
  log::Info("eventlog.kafka.opened",
            {{"bootstrap_servers", o.bootstrap_servers}, {"client_id", o.client_id}});
  return Status::Ok();
}

Result<int32_t> KafkaLog::PartitionCountFor(std::string_view topic) {
  TRAPPE_RETURN_IF_ERROR(ValidateTopicName(topic));
  {
    std::lock_guard lock(meta_mu_);
    auto it = partition_counts_.find(topic);
    if (it != partition_counts_.end()) return it->second;
  }
  const std::string physical = shared_->Physical(topic);
  TRAPPE_RETURN_IF_ERROR(ValidateTopicName(physical));
  // All topics: asking for one by name could make a broker auto-create it.
  RdKafka::Metadata* raw = nullptr;
  const RdKafka::ErrorCode err =
      producer_->metadata(true, nullptr, &raw, ToMillis(shared_->options.operation_timeout));
  std::unique_ptr<RdKafka::Metadata> metadata(raw);
  if (err != RdKafka::ERR_NO_ERROR) {
    return StatusFromKafka(err, "cannot read topic metadata from Kafka at " +
                                    shared_->options.bootstrap_servers);
  }
  for (const RdKafka::TopicMetadata* t : *metadata->topics()) {
    if (t->topic() != physical) continue;
    if (t->err() == RdKafka::ERR_UNKNOWN_TOPIC_OR_PART) break;
    if (t->partitions()->empty()) {
      return StatusFromKafka(t->err() != RdKafka::ERR_NO_ERROR ? t->err() : RdKafka::ERR__UNKNOWN_PARTITION,
                             "topic " + shared_->Describe(topic) + " has no usable partitions");
    }
    const auto count = static_cast<int32_t>(t->partitions()->size());
    std::lock_guard lock(meta_mu_);
    partition_counts_.emplace(std::string(topic), count);
    return count;
  }
  return NotFound("topic " + shared_->Describe(topic) + " does not exist in the Kafka cluster at " +
                  shared_->options.bootstrap_servers + " (topics are created by deployment)");
}

Result<std::pair<int64_t, int64_t>> KafkaLog::Watermarks(const std::string& topic, int32_t partition) {
  int64_t low = 0;
  int64_t high = 0;
  const RdKafka::ErrorCode err = producer_->query_watermark_offsets(
      shared_->Physical(topic), partition, &low, &high, ToMillis(shared_->options.operation_timeout));
  if (err != RdKafka::ERR_NO_ERROR) {
    return StatusFromKafka(err, "cannot read the offsets of " + shared_->Describe(topic) + "/" +
                                    std::to_string(partition));
  }
  return std::make_pair(low, high);
}

Result<std::vector<Position>> KafkaLog::Append(std::string_view topic, std::vector<Record> records) {
  TRAPPE_RETURN_IF_ERROR(ValidateTopicName(topic));
  CallGuard guard(this);
  if (!guard.admitted()) return Unavailable("event log is closed");
  TRAPPE_ASSIGN_OR_RETURN(const int32_t partitions, PartitionCountFor(topic));
  if (records.empty()) return std::vector<Position>{};

  // Refuse oversized records before producing any, so this failure writes nothing.
  for (size_t i = 0; i < records.size(); ++i) {
    size_t size = records[i].key.size() + records[i].value.size() + 64;
    for (const Header& h : records[i].headers) size += h.key.size() + h.value.size() + 16;
    if (size > max_message_bytes_) {
      return InvalidArgument("records[" + std::to_string(i) + "]",
                             "is " + std::to_string(size) + " bytes, above Kafka's message.max.bytes " +
                                 std::to_string(max_message_bytes_));
    }
  }

  if (recheck_.load()) {
    // All topics: asking for one by name could make a broker auto-create it.
    RdKafka::Metadata* raw = nullptr;
    const auto probe_timeout = std::min(shared_->options.operation_timeout, shared_->options.delivery_timeout);
    const RdKafka::ErrorCode err = producer_->metadata(true, nullptr, &raw, ToMillis(probe_timeout));
    std::unique_ptr<RdKafka::Metadata> metadata(raw);
    if (err != RdKafka::ERR_NO_ERROR) {
      return Unavailable("append to " + std::string(topic) + " failed: the Kafka cluster at " +
                         shared_->options.bootstrap_servers + " does not answer (" + RdKafka::err2str(err) +
                         "); nothing was written");
    }
    recheck_ = false;
  }

  AppendCall call{std::string(topic), shared_->Physical(topic), records.size()};
  call.recheck = &recheck_;
  const auto give_up = Clock::now() + shared_->options.delivery_timeout;
  for (size_t i = 0; i < records.size(); ++i) {
    Record& r = records[i];
    RdKafka::Headers* headers = nullptr;
    if (!r.headers.empty()) {
      headers = RdKafka::Headers::create();
      for (const Header& h : r.headers) headers->add(h.key, h.value.data(), h.value.size());
    }
    {
      std::lock_guard lock(call.mu);
      ++call.outstanding;  // before produce: the report may come at once
    }
    RdKafka::ErrorCode err;
    while (true) {
      err = producer_->produce(call.physical, PartitionForKey(r.key, partitions), RdKafka::Producer::RK_MSG_COPY,
                               r.value.data(), r.value.size(), r.key.data(), r.key.size(), 0, headers,
                               &call.slots[i]);
      if (err != RdKafka::ERR__QUEUE_FULL || Clock::now() >= give_up) break;
      reporter_.WaitForQueueSpace(std::chrono::milliseconds(100));
    }
    if (err != RdKafka::ERR_NO_ERROR) {
      delete headers;  // produce() took ownership only on success
      std::lock_guard lock(call.mu);
      --call.outstanding;
      if (call.error.ok()) {
        call.error = StatusFromKafka(err, "append to " + call.topic + " failed");
        if (err == RdKafka::ERR__FATAL) {
          std::string reason;
          producer_->fatal_error(reason);
          call.error = Internal(call.error.message() + ": " + reason +
                                " (the producer must be recreated: restart the service)");
        }
      }
      break;  // records after a failed one are not produced: they would reorder
    }
  }
  std::unique_lock lock(call.mu);
  call.reported.wait(lock, [&] { return call.outstanding == 0; });
  if (!call.error.ok()) return call.error;
  return std::move(call.positions);
}

Result<int32_t> KafkaLog::PartitionCount(std::string_view topic) {
  CallGuard guard(this);
  if (!guard.admitted()) return Unavailable("event log is closed");
  return PartitionCountFor(topic);
}

Result<std::vector<int64_t>> KafkaLog::EndOffsets(std::string_view topic) {
  CallGuard guard(this);
  if (!guard.admitted()) return Unavailable("event log is closed");
  TRAPPE_ASSIGN_OR_RETURN(const int32_t partitions, PartitionCountFor(topic));
  std::vector<int64_t> ends(static_cast<size_t>(partitions));
  const std::string name(topic);
  for (int32_t p = 0; p < partitions; ++p) {
    TRAPPE_ASSIGN_OR_RETURN(auto marks, Watermarks(name, p));
    ends[static_cast<size_t>(p)] = marks.second;
  }
  return ends;
}

Result<std::unique_ptr<RdKafka::KafkaConsumer>> KafkaLog::NewConsumer() {
  const KafkaLogOptions& o = shared_->options;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  TRAPPE_RETURN_IF_ERROR(Set(conf.get(), "bootstrap.servers", o.bootstrap_servers));
  TRAPPE_RETURN_IF_ERROR(Set(conf.get(), "client.id", o.client_id));
  TRAPPE_RETURN_IF_ERROR(Set(conf.get(), "group.id", o.consumer_group_id));
  TRAPPE_RETURN_IF_ERROR(Set(conf.get(), "enable.auto.commit", "false"));
  TRAPPE_RETURN_IF_ERROR(Set(conf.get(), "enable.auto.offset.store", "false"));
  TRAPPE_RETURN_IF_ERROR(Set(conf.get(), "auto.offset.reset", "error"));
  TRAPPE_RETURN_IF_ERROR(Set(conf.get(), "enable.partition.eof", "false"));
  // Overridable: verify record checksums (the log is an archive), and answer an idle
  // fetch within 100 ms so read-your-write waits stay short.
  TRAPPE_RETURN_IF_ERROR(Set(conf.get(), "check.crcs", "true"));
  TRAPPE_RETURN_IF_ERROR(Set(conf.get(), "fetch.wait.max.ms", "100"));
  TRAPPE_RETURN_IF_ERROR(Set(conf.get(), "socket.nagle.disable", "true"));
  TRAPPE_RETURN_IF_ERROR(Set(conf.get(), "reconnect.backoff.max.ms", "1000"));
  TRAPPE_RETURN_IF_ERROR(SetAll(conf.get(), o.properties));
  TRAPPE_RETURN_IF_ERROR(SetAll(conf.get(), o.consumer_properties));
  std::string error;
  if (conf->set("event_cb", static_cast<RdKafka::EventCb*>(&shared_->events), error) !=
      RdKafka::Conf::CONF_OK) {
    return Internal("cannot set librdkafka callbacks: " + error);
  }
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), error));
  if (!consumer) return InvalidArgument("kafka configuration", error);
  return consumer;
}

Result<std::unique_ptr<Subscription>> KafkaLog::Subscribe(std::vector<TopicPartitionOffset> from) {
  CallGuard guard(this);
  if (!guard.admitted()) return Unavailable("event log is closed");
  if (from.empty()) return InvalidArgument("from", "must name at least one partition");
  std::vector<KafkaSubscription::Cursor> cursors;
  std::set<std::pair<std::string, int32_t>> seen;
  for (const TopicPartitionOffset& tpo : from) {
    TRAPPE_ASSIGN_OR_RETURN(const int32_t partitions, PartitionCountFor(tpo.topic));
    const std::string where = tpo.topic + "/" + std::to_string(tpo.partition);
    if (tpo.partition < 0 || tpo.partition >= partitions) {
      return InvalidArgument("partition", std::to_string(tpo.partition) + " is not a partition of " +
                                              tpo.topic + " (it has " + std::to_string(partitions) + ")");
    }
    if (!seen.emplace(tpo.topic, tpo.partition).second) {
      return InvalidArgument("from", where + " is named more than once");
    }
    if (tpo.offset < 0) {
      return InvalidArgument("offset", std::to_string(tpo.offset) + " is outside " + where);
    }
    TRAPPE_ASSIGN_OR_RETURN(auto marks, Watermarks(tpo.topic, tpo.partition));
    if (tpo.offset > marks.second) {
      return InvalidArgument("offset", std::to_string(tpo.offset) + " is outside " + where +
                                           " (valid: 0 to its end " + std::to_string(marks.second) + ")");
    }
    if (tpo.offset < marks.first) {
      return DataLoss("records of " + where + " before offset " + std::to_string(marks.first) +
                      " are gone from Kafka (retention?); cannot read from " +
                      std::to_string(tpo.offset));
    }
    cursors.push_back({tpo.topic, shared_->Physical(tpo.topic), tpo.partition, tpo.offset});
  }

  TRAPPE_ASSIGN_OR_RETURN(std::unique_ptr<RdKafka::KafkaConsumer> consumer, NewConsumer());
  std::vector<RdKafka::TopicPartition*> assignment;
  for (const KafkaSubscription::Cursor& c : cursors) {
    assignment.push_back(RdKafka::TopicPartition::create(c.physical, c.partition, c.next));
  }
  const RdKafka::ErrorCode err = consumer->assign(assignment);
  RdKafka::TopicPartition::destroy(assignment);
  if (err != RdKafka::ERR_NO_ERROR) {
    consumer->close();
    return StatusFromKafka(err, "cannot assign partitions to a Kafka consumer");
  }
  return std::unique_ptr<Subscription>(
      std::make_unique<KafkaSubscription>(shared_, std::move(consumer), std::move(cursors)));
}

void KafkaLog::Close() {
  {
    std::unique_lock lock(mu_);
    if (closed_) {
      calls_done_.wait(lock, [&] { return close_done_; });
      return;
    }
    closed_ = true;
    shared_->closed = true;
  }
  {
    std::lock_guard lock(shared_->subscriptions_mu);
    for (KafkaSubscription* s : shared_->subscriptions) s->Wake();
  }
  {
    // Appends in flight end within the delivery timeout (librdkafka reports every record).
    std::unique_lock lock(mu_);
    calls_done_.wait(lock, [&] { return active_calls_ == 0; });
  }
  if (producer_) {
    stop_poller_ = true;
    // Ends the poller's poll() at once (RdKafka::Handle::yield only works in callbacks).
    rd_kafka_queue_t* main_queue = rd_kafka_queue_get_main(producer_->c_ptr());
    rd_kafka_queue_yield(main_queue);
    rd_kafka_queue_destroy(main_queue);
    if (poller_.joinable()) poller_.join();
    producer_.reset();
    log::Info("eventlog.kafka.closed", {{"bootstrap_servers", shared_->options.bootstrap_servers}});
  }
  std::lock_guard lock(mu_);
  close_done_ = true;
  calls_done_.notify_all();
}

}  // namespace

Result<std::unique_ptr<EventLog>> OpenKafkaLog(KafkaLogOptions options) {
  auto shared = std::make_shared<Shared>();
  shared->options = std::move(options);
  auto log = std::make_unique<KafkaLog>(std::move(shared));
  TRAPPE_RETURN_IF_ERROR(log->Start());
  return std::unique_ptr<EventLog>(std::move(log));
}

}  // namespace trappe::eventlog
