// pipeline/alert.cc: alert ids and the alert JSON, written with RapidJSON.
#include "pipeline/alert.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "pipeline/event/digest.h"
#include "pipeline/event/event_time.h"

namespace trailhound::pipeline {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Put(Writer& w, const char* key, std::string_view value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

// A hot field as a string, or null when the event lacks it.
void PutOrNull(Writer& w, const char* key, std::string_view value) {
  w.Key(key);
  if (value.empty()) {
    w.Null();
  } else {
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  }
}

std::string Summary(const rules::CompiledRule& rule, const event::Event& event) {
  std::string summary = rule.title;
  const std::string_view actor =
      event.user_arn().empty() ? event.hot(event::HotField::kUserType) : event.user_arn();
  if (!actor.empty()) {
    summary += " by ";
    summary.append(actor);
  }
  if (!event.recipient_account_id().empty()) {
    summary += " in ";
    summary.append(event.recipient_account_id());
  }
  if (summary.size() > 255) {
    summary.resize(252);
    summary += "...";
  }
  for (char& c : summary) {
    c = c == '\n' || c == '\r' ? ' ' : c;  // one line
  }
  return summary;
}

void PutRule(Writer& w, const rules::CompiledRule& rule) {
  w.Key("rule");
  w.StartObject();
  Put(w, "id", rule.id);
  Put(w, "title", rule.title);
  Put(w, "level", rule.level);
  Put(w, "source", "sigma");
  w.Key("tags");
  w.StartArray();
  for (const std::string& tag : rule.tags) {
    w.String(tag.c_str());
  }
  w.EndArray();
  Put(w, "author", rule.author);  // shown with every match (Detection Rule License)
  Put(w, "status", rule.status);
  w.EndObject();
}

void PutEvent(Writer& w, const event::Event& event) {
  using event::HotField;
  w.Key("event");
  w.StartObject();
  Put(w, "eventID", event.event_id());
  PutOrNull(w, "eventTime", event.hot(HotField::kEventTime));
  PutOrNull(w, "eventName", event.event_name());
  PutOrNull(w, "eventSource", event.event_source());
  PutOrNull(w, "awsRegion", event.aws_region());
  PutOrNull(w, "recipientAccountId", event.recipient_account_id());
  PutOrNull(w, "sourceIPAddress", event.source_ip());
  PutOrNull(w, "userAgent", event.hot(HotField::kUserAgent));
  PutOrNull(w, "errorCode", event.error_code());
  w.Key("readOnly");
  switch (event.read_only()) {
    case event::ReadOnly::kTrue:
      w.Bool(true);
      break;
    case event::ReadOnly::kFalse:
      w.Bool(false);
      break;
    case event::ReadOnly::kUnknown:
      w.Null();
      break;
  }
  w.Key("userIdentity");
  w.StartObject();
  PutOrNull(w, "type", event.hot(HotField::kUserType));
  PutOrNull(w, "arn", event.user_arn());
  PutOrNull(w, "accountId", event.hot(HotField::kUserAccountId));
  PutOrNull(w, "principalId", event.hot(HotField::kPrincipalId));
  PutOrNull(w, "accessKeyId", event.access_key_id());
  w.EndObject();
  w.EndObject();
}

void PutContextDisabled(Writer& w) {
  static constexpr const char* kLetters[] = {"resource",    "events",       "changes",  "identity",
                                             "permissions", "entitlements", "public",   "ip",
                                             "caller",      "track",        "forensics"};
  w.Key("context");
  w.StartObject();
  for (const char* letter : kLetters) {
    w.Key(letter);
    w.StartObject();
    Put(w, "status", "unknown");
    Put(w, "reason", "disabled");
    Put(w, "hint", "context assembly is not available in this version");
    w.EndObject();
  }
  w.EndObject();
}

}  // namespace

std::string AlertId(std::string_view rule_id, std::string_view key) {
  std::string material = "v1";
  material += '\0';
  material.append(rule_id);
  material += '\0';
  material.append(key);
  return event::Sha256Prefix128Hex(material);
}

std::string FormatAlert(const rules::CompiledRule& rule, const event::Event& event,
                        const AlertInput& input, int64_t now_ns) {
  std::string key(event.recipient_account_id());
  key += ':';
  key.append(event.event_id());
  const std::string now = event::FormatEventTime(now_ns);
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Put(w, "schema", "trailhound.alert/v1");
  Put(w, "alert_id", AlertId(rule.id, key));
  Put(w, "time", now);
  Put(w, "summary", Summary(rule, event));
  PutRule(w, rule);
  PutEvent(w, event);
  w.Key("correlation");
  w.Null();
  w.Key("dedup");
  w.StartObject();
  w.Key("folded");
  w.Uint(0);
  Put(w, "first_time", now);
  Put(w, "last_time", now);
  w.EndObject();
  w.Key("input");
  w.StartObject();
  Put(w, "source", input.source);
  Put(w, "received_at", event::FormatEventTime(input.received_at_ns));
  Put(w, "path", event.position().source ? *event.position().source : "");
  Put(w, "position", event.position().ToString());
  w.EndObject();
  PutContextDisabled(w);
  w.Key("context_info");
  w.StartObject();
  w.Key("complete");
  w.Bool(false);
  w.EndObject();
  w.Key("producer");
  w.StartObject();
  Put(w, "name", "trailhound");
  Put(w, "version", "0.1.0");
  w.EndObject();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace trailhound::pipeline
