// daemon/config_diff.cc: the restart-only settings as comparable text, section by section.
#include "daemon/config_diff.h"

#include "pipeline/base/str_cat.h"

namespace trailhound::daemon {

std::map<std::string, std::string> RestartOnlySettings(const config::Config& c) {
  std::map<std::string, std::string> sections;
  const auto join = [](const std::map<std::string, std::string>& properties) {
    std::string out;
    for (const auto& [name, value] : properties) {
      out += base::StrCat({name, "=", value, "\n"});
    }
    return out;
  };
  if (c.sources.kafka.has_value()) {
    const config::KafkaSource& k = *c.sources.kafka;
    std::string topics;
    for (const std::string& topic : k.topics) {
      topics += topic + ",";
    }
    sections["sources"] =
        base::StrCat({k.brokers, "|", topics, "|", k.group_id, "|", join(k.properties), "|",
                      std::to_string(k.batch_max_messages), "|", std::to_string(k.batch_max_ms),
                      "|", k.dead_letter_topic});
  }
  sections["state"] =
      base::StrCat({c.state.dir, "|", std::to_string(c.state.retention_days), "|",
                    std::to_string(c.state.dedup_retention_days), "|", c.state.durability});
  for (const config::Sink& sink : c.sinks) {
    sections["sinks"] +=
        base::StrCat({sink.type, "|", sink.name, "|", sink.path, "|",
                      std::to_string(sink.rotate_bytes), "|", std::to_string(sink.keep), "|",
                      sink.brokers, "|", sink.topic, "|", join(sink.properties), "\n"});
  }
  sections["metrics"] = c.metrics.listen;
  sections["logging"] = base::StrCat({c.logging.level, "|", c.logging.format});
  sections["limits"] = base::StrCat(
      {std::to_string(c.limits.max_event_bytes), "|", std::to_string(c.limits.max_depth), "|",
       std::to_string(c.limits.outbox_max_bytes), "|", std::to_string(c.limits.shutdown_timeout_s),
       "|", std::to_string(c.limits.dead_letter_raw_bytes)});
  sections["dead_letter"] = c.dead_letter.file;
  return sections;
}

std::vector<std::string> ChangedSections(const std::map<std::string, std::string>& before,
                                         const std::map<std::string, std::string>& after) {
  std::vector<std::string> changed;
  for (const auto& [section, value] : after) {
    const auto it = before.find(section);
    if (it == before.end() || it->second != value) {
      changed.push_back(section);
    }
  }
  return changed;
}

}  // namespace trailhound::daemon
