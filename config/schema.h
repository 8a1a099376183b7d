// config/schema.h: the daemon's configuration as plain structs, one per section of the YAML file
// (docs/configuration.md describes each option; config/load.h reads and validates them). Each
// field's initializer is its default. Relative paths are resolved against the directory of the
// configuration file when it is loaded, so every path here is usable as is. Values that came
// from `${env:NAME}` or `${file:PATH}` references are resolved too; their dotted keys are listed
// in Config::secret_keys and must never be logged. Immutable once loaded: share it as
// std::shared_ptr<const Config>.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace trailhound::config {

// sources.kafka: the consumer group the daemon reads CloudTrail records from.
struct KafkaSource {
  // Bootstrap brokers, comma-separated host:port (librdkafka `bootstrap.servers`).
  std::string brokers = "127.0.0.1:9092";
  // Topics to consume; at least one.
  std::vector<std::string> topics = {"cloudtrail"};
  // Consumer group; members sharing it split the partitions.
  std::string group_id = "trailhound";
  // librdkafka properties passed as-is (security.protocol, sasl.*, ssl.*, session.timeout.ms,
  // ...); values may be secret references.
  std::map<std::string, std::string> properties;
  // Most messages in one batch (1..100000): larger batches amortise the store write.
  size_t batch_max_messages = 5000;
  // Longest a batch waits to fill, in milliseconds (0..60000): bounds the added latency.
  int64_t batch_max_ms = 20;
  // Where undecodable records are produced; empty = local dead-letter file only.
  std::string dead_letter_topic = "trailhound-dead-letters";
};

struct Sources {
  std::optional<KafkaSource> kafka;  // absent = no Kafka consumer
};

struct Rules {
  // Rule files or directories (recursed); each must exist.
  std::vector<std::string> paths;
  // YAML map of placeholder name -> values for Sigma `|expand`; empty = none.
  std::string placeholders;
  // How late (event time behind the newest seen), in seconds, an event may arrive and still
  // join correlation windows (0..604800).
  int64_t allowed_lateness_s = 900;
};

struct State {
  // The event store, outbox and dead letters live here; its parent must exist.
  std::string dir = "/var/lib/trailhound";
  // Stored events older than this (event time), in days (1..3650), are dropped.
  int64_t retention_days = 30;
  // Alert ids remembered for dedup, in days (1..3650); keep >= retention_days so a replay of
  // stored events never notifies twice.
  int64_t dedup_retention_days = 45;
  // `power`: fsync every batch (survives power loss); `process`: survives a crash of the daemon
  // only, faster.
  std::string durability = "power";
};

// sinks: a list; each has a type and a unique name.
struct Sink {
  std::string type;  // file | stdout | kafka
  std::string name;  // defaults to the type; unique among sinks
  // file: NDJSON path the alerts are appended to.
  std::string path;
  // file: rotate when the file would exceed this, in bytes (>= 4096), and at each new UTC day;
  // keep this many rotated files (1..1000).
  uint64_t rotate_bytes = uint64_t{256} << 20;
  int keep = 5;
  // kafka: bootstrap brokers; default = sources.kafka.brokers.
  std::string brokers;
  // kafka: topic alerts are produced to.
  std::string topic = "trailhound-alerts";
  // kafka: librdkafka producer properties, as-is; values may be secret references.
  std::map<std::string, std::string> properties;
};

struct Metrics {
  // host:port of /metrics, /healthz and /readyz; empty = disabled.
  std::string listen = "127.0.0.1:9108";
};

struct Logging {
  std::string level = "info";   // trace | debug | info | warn | error | off
  std::string format = "text";  // text | json
};

// Caps that keep hostile or runaway input from exhausting the daemon.
struct Limits {
  // Largest event record, in bytes (1024..256 MiB); larger ones go to dead letters.
  size_t max_event_bytes = 1 << 20;
  // Deepest JSON nesting of an event (1..1024).
  size_t max_depth = 64;
  // Outbox size, in bytes (>= 1 MiB), past which intake pauses until sinks catch up.
  uint64_t outbox_max_bytes = 1ull << 30;
  // Drain time on SIGTERM, in seconds (1..3600).
  int64_t shutdown_timeout_s = 20;
  // Raw bytes of a bad record kept in its dead letter (0..16 MiB).
  size_t dead_letter_raw_bytes = 64 * 1024;
};

struct DeadLetter {
  // NDJSON file of undecodable records; default (empty in the file):
  // <state.dir>/dead-letters.ndjson.
  std::string file;
};

struct Config {
  std::string path;  // the file it was loaded from
  Sources sources;
  Rules rules;
  State state;
  std::vector<Sink> sinks;
  Metrics metrics;
  Logging logging;
  Limits limits;
  DeadLetter dead_letter;
  // Dotted keys (`sources.kafka.properties.sasl.password`) whose values came from secret
  // references: print `<redacted>` for them, never the value.
  std::vector<std::string> secret_keys;
};

}  // namespace trailhound::config
