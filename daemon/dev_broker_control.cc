// daemon/dev_broker_control.cc: parses and runs dev-broker control lines. Every argument is
// checked before the cluster is touched, so a bad line changes nothing.
#include "daemon/dev_broker_control.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <optional>
#include <sstream>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "pipeline/base/str_cat.h"

namespace trailhound::daemon {

const char kControlCommandsHelp[] =
    "commands: down [BROKER], up [BROKER], rtt MS [BROKER], errors API N ERR...";

namespace {

// Kafka protocol API names by key (the Kafka protocol guide), for `errors`. librdkafka keeps
// its own table private (rdkafka_proto.h).
constexpr std::array<std::string_view, 37> kApiNames = {
    "Produce",
    "Fetch",
    "ListOffsets",
    "Metadata",
    "LeaderAndIsr",
    "StopReplica",
    "UpdateMetadata",
    "ControlledShutdown",
    "OffsetCommit",
    "OffsetFetch",
    "FindCoordinator",
    "JoinGroup",
    "Heartbeat",
    "LeaveGroup",
    "SyncGroup",
    "DescribeGroups",
    "ListGroups",
    "SaslHandshake",
    "ApiVersions",
    "CreateTopics",
    "DeleteTopics",
    "DeleteRecords",
    "InitProducerId",
    "OffsetForLeaderEpoch",
    "AddPartitionsToTxn",
    "AddOffsetsToTxn",
    "EndTxn",
    "WriteTxnMarkers",
    "TxnOffsetCommit",
    "DescribeAcls",
    "CreateAcls",
    "DeleteAcls",
    "DescribeConfigs",
    "AlterConfigs",
    "AlterReplicaLogDirs",
    "DescribeLogDirs",
    "SaslAuthenticate",
};

constexpr int64_t kMaxRttMs = 10 * 60 * 1000;
constexpr int64_t kMaxErrorCount = 1'000'000;

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::optional<int64_t> ParseInteger(std::string_view text) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

base::Result<int64_t> ParseInRange(std::string_view text, std::string_view what, int64_t low,
                                   int64_t high) {
  const std::optional<int64_t> value = ParseInteger(text);
  if (!value.has_value() || *value < low || *value > high) {
    return base::InvalidInput(base::StrCat({what, " '", text, "' is not a number from ",
                                            std::to_string(low), " to ", std::to_string(high)}));
  }
  return *value;
}

// An optional trailing broker id; absent means every broker.
base::Result<int32_t> ParseBroker(const std::vector<std::string_view>& words, std::size_t index,
                                  int broker_count) {
  if (words.size() <= index) {
    return DevBrokerCluster::kAllBrokers;
  }
  if (words.size() > index + 1) {
    return base::InvalidInput(base::StrCat({"unexpected '", words[index + 1], "'"}));
  }
  base::Result<int64_t> id = ParseInRange(words[index], "broker", 1, broker_count);
  if (!id.has_value()) {
    return id.error();
  }
  return static_cast<int32_t>(*id);
}

std::string BrokerName(int32_t broker_id) {
  return broker_id == DevBrokerCluster::kAllBrokers
             ? "all brokers"
             : base::StrCat({"broker ", std::to_string(broker_id)});
}

base::Result<int16_t> ParseApiKey(std::string_view text) {
  for (std::size_t key = 0; key < kApiNames.size(); ++key) {
    if (EqualsIgnoringCase(text, kApiNames[key])) {
      return static_cast<int16_t>(key);
    }
  }
  const std::optional<int64_t> key = ParseInteger(text);
  if (key.has_value() && *key >= 0 && *key < static_cast<int64_t>(kApiNames.size())) {
    return static_cast<int16_t>(*key);
  }
  return base::InvalidInput(base::StrCat({"'", text,
                                          "' is not a Kafka API name or key (e.g. Produce, Fetch, "
                                          "OffsetCommit, Heartbeat, JoinGroup, SyncGroup)"}));
}

// A broker-side Kafka error: its name as librdkafka spells it without the RD_KAFKA_RESP_ERR_
// prefix (and NOT_LEADER_OR_FOLLOWER, Kafka's newer name for 2.0.2's NOT_LEADER_FOR_PARTITION), or
// its code. librdkafka's local errors (negative codes) never come from a broker.
base::Result<int32_t> ParseErrorCode(std::string_view text) {
  std::string_view name = text;
  if (name.starts_with("RD_KAFKA_RESP_ERR_")) {
    name.remove_prefix(18);
  }
  std::optional<int64_t> code = ParseInteger(name);
  if (!code.has_value() && EqualsIgnoringCase(name, "NOT_LEADER_OR_FOLLOWER")) {
    code = RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION;
  }
  if (!code.has_value()) {
    const rd_kafka_err_desc* descriptions = nullptr;
    std::size_t count = 0;
    rd_kafka_get_err_descs(&descriptions, &count);
    for (std::size_t i = 0; i < count && !code.has_value(); ++i) {
      if (descriptions[i].name != nullptr && EqualsIgnoringCase(name, descriptions[i].name)) {
        code = descriptions[i].code;
      }
    }
  }
  if (!code.has_value() || *code < 0 || *code >= RD_KAFKA_RESP_ERR_END_ALL) {
    return base::InvalidInput(base::StrCat({"'", text,
                                            "' is not a Kafka broker error name or code (e.g. "
                                            "NOT_LEADER_OR_FOLLOWER, ILLEGAL_GENERATION, "
                                            "REBALANCE_IN_PROGRESS, NOT_COORDINATOR, NO_ERROR)"}));
  }
  return static_cast<int32_t>(*code);
}

base::Result<std::string> RunUpDown(DevBrokerCluster& cluster,
                                    const std::vector<std::string_view>& words, bool up) {
  base::Result<int32_t> broker = ParseBroker(words, 1, cluster.broker_count());
  if (!broker.has_value()) {
    return broker.error();
  }
  if (base::Status status = cluster.SetBrokerUp(*broker, up); !status.ok()) {
    return status;
  }
  return BrokerName(*broker) + (up ? " up" : " down");
}

base::Result<std::string> RunRtt(DevBrokerCluster& cluster,
                                 const std::vector<std::string_view>& words) {
  if (words.size() < 2) {
    return base::InvalidInput("rtt needs milliseconds: rtt MS [BROKER]");
  }
  base::Result<int64_t> rtt_ms = ParseInRange(words[1], "rtt", 0, kMaxRttMs);
  if (!rtt_ms.has_value()) {
    return rtt_ms.error();
  }
  base::Result<int32_t> broker = ParseBroker(words, 2, cluster.broker_count());
  if (!broker.has_value()) {
    return broker.error();
  }
  const std::chrono::milliseconds rtt(*rtt_ms);
  if (base::Status status = cluster.SetBrokerRtt(*broker, rtt); !status.ok()) {
    return status;
  }
  return base::StrCat({BrokerName(*broker), " rtt ", std::to_string(rtt.count()), " ms"});
}

base::Result<std::string> RunErrors(DevBrokerCluster& cluster,
                                    const std::vector<std::string_view>& words) {
  if (words.size() < 4) {
    return base::InvalidInput(
        "errors needs an API, a count and at least one error: "
        "errors API N ERR...");
  }
  base::Result<int16_t> api_key = ParseApiKey(words[1]);
  if (!api_key.has_value()) {
    return api_key.error();
  }
  base::Result<int64_t> count = ParseInRange(words[2], "count", 1, kMaxErrorCount);
  if (!count.has_value()) {
    return count.error();
  }
  const std::size_t listed = words.size() - 3;
  if (listed > static_cast<std::size_t>(*count)) {
    return base::InvalidInput(base::StrCat(
        {std::to_string(listed), " errors listed for a count of ", std::to_string(*count)}));
  }
  std::vector<int32_t> listed_codes;
  for (std::size_t i = 3; i < words.size(); ++i) {
    base::Result<int32_t> code = ParseErrorCode(words[i]);
    if (!code.has_value()) {
      return code.error();
    }
    listed_codes.push_back(*code);
  }
  std::vector<int32_t> codes;
  codes.reserve(static_cast<std::size_t>(*count));
  for (int64_t i = 0; i < *count; ++i) {
    codes.push_back(listed_codes[static_cast<std::size_t>(i) % listed_codes.size()]);
  }
  cluster.PushRequestErrors(*api_key, codes);
  return base::StrCat({"next ", std::to_string(*count), " ",
                       kApiNames[static_cast<std::size_t>(*api_key)], " requests fail"});
}

}  // namespace

base::Result<std::string> RunControlCommand(DevBrokerCluster& cluster, std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t at = 0;
  while (at < line.size()) {
    const std::size_t start = line.find_first_not_of(" \t\r", at);
    if (start == std::string_view::npos) {
      break;
    }
    const std::size_t end = std::min(line.find_first_of(" \t\r", start), line.size());
    words.push_back(line.substr(start, end - start));
    at = end;
  }
  if (words.empty() || words[0].starts_with('#')) {
    return std::string();
  }
  if (words[0] == "down" || words[0] == "up") {
    return RunUpDown(cluster, words, words[0] == "up");
  }
  if (words[0] == "rtt") {
    return RunRtt(cluster, words);
  }
  if (words[0] == "errors") {
    return RunErrors(cluster, words);
  }
  return base::InvalidInput(
      base::StrCat({"unknown command '", words[0], "'; ", kControlCommandsHelp}));
}

}  // namespace trailhound::daemon
