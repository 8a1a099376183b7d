// pipeline/alert.cc: alert ids and the alert JSON, written with RapidJSON.
#include "pipeline/alert.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "pipeline/base/str_cat.h"
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

std::string Summary(std::string_view title, const event::Event* event, std::string_view account) {
  std::string summary(title);
  const std::string_view actor = event == nullptr ? std::string_view{}
                                 : event->user_arn().empty()
                                     ? event->hot(event::HotField::kUserType)
                                     : event->user_arn();
  if (!actor.empty()) {
    summary += " by ";
    summary.append(actor);
  }
  if (!account.empty()) {
    summary += " in ";
    summary.append(account);
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

void PutRule(Writer& w, const rules::RuleMetadata& rule, std::string_view source = "sigma") {
  w.Key("rule");
  w.StartObject();
  Put(w, "id", rule.id);
  Put(w, "uuid", rule.id);  // Sigma rule ids are UUIDs already (lint warns when not)
  Put(w, "title", rule.title);
  Put(w, "level", rule.level);
  Put(w, "source", source);
  w.Key("tags");
  w.StartArray();
  for (const std::string& tag : rule.tags) {
    w.String(tag.c_str());
  }
  w.EndArray();
  Put(w, "author", rule.author);  // shown with every match (Detection Rule License)
  Put(w, "status", rule.status);
  Put(w, "description", rule.description);
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

// The record's place in its file (§5.1): `line` of an NDJSON stream, or `record`, the index in
// the outermost Records/array, plus the full position for everything else.
void PutInput(Writer& w, const AlertInput& input, const event::Position& position) {
  w.Key("input");
  w.StartObject();
  Put(w, "source", input.source);
  Put(w, "received_at", event::FormatEventTime(input.received_at_ns));
  Put(w, "path", position.source ? *position.source : "");
  for (uint8_t i = 0; i < position.step_count; ++i) {
    const event::PositionStep& step = position.steps[i];
    if (step.kind == event::StepKind::kLine) {
      w.Key("line");
      w.Uint(step.index);
      break;
    }
    if (step.kind == event::StepKind::kRecords || step.kind == event::StepKind::kArray) {
      w.Key("record");
      w.Uint(step.index);
      break;
    }
  }
  Put(w, "position", position.ToString());
  w.EndObject();
}

void PutDedup(Writer& w, std::string_view first_time, std::string_view last_time) {
  w.Key("dedup");
  w.StartObject();
  w.Key("folded");
  w.Uint(0);
  Put(w, "first_time", first_time);
  Put(w, "last_time", last_time);
  w.EndObject();
}

void PutTail(Writer& w) {
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
}

// An event known by id and account at most: a correlation window closed by a later record, or
// no event at all (an operational alert). Every key of PutEvent is there, unknown ones null
// (DETECTIONS.md §5.1 makes `event` an object), so consumers can read `event.eventName` from any
// alert without a type check.
void PutEventById(Writer& w, std::string_view event_id, std::string_view account) {
  w.Key("event");
  w.StartObject();
  PutOrNull(w, "eventID", event_id);
  for (const char* key : {"eventTime", "eventName", "eventSource", "awsRegion"}) {
    w.Key(key);
    w.Null();
  }
  PutOrNull(w, "recipientAccountId", account);
  for (const char* key : {"sourceIPAddress", "userAgent", "errorCode", "readOnly"}) {
    w.Key(key);
    w.Null();
  }
  w.Key("userIdentity");
  w.StartObject();
  for (const char* key : {"type", "arn", "accountId", "principalId", "accessKeyId"}) {
    w.Key(key);
    w.Null();
  }
  w.EndObject();
  w.EndObject();
}

void PutCorrelation(Writer& w, const rules::CorrelationAlert& alert) {
  constexpr size_t kMaxEventIds = 20;
  w.Key("correlation");
  w.StartObject();
  Put(w, "type", rules::CorrelationTypeName(alert.rule->type));
  w.Key("group");
  w.StartObject();
  for (const auto& [field, value] : alert.group) {
    w.Key(field.data(), static_cast<rapidjson::SizeType>(field.size()));
    if (value.has_value()) {
      w.String(value->data(), static_cast<rapidjson::SizeType>(value->size()));
    } else {
      w.Null();
    }
  }
  w.EndObject();
  w.Key("window_s");
  w.Int64(alert.rule->timespan_ns / 1'000'000'000);
  w.Key("count");
  w.Uint64(alert.count);
  Put(w, "first_time", event::FormatEventTime(alert.first_time_ns));
  Put(w, "last_time", event::FormatEventTime(alert.last_time_ns));
  w.Key("event_ids");
  w.StartArray();
  for (size_t i = 0; i < alert.event_ids.size() && i < kMaxEventIds; ++i) {
    w.String(alert.event_ids[i].c_str());
  }
  w.EndArray();
  w.Key("truncated");
  w.Bool(alert.event_ids.size() > kMaxEventIds);
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

std::string EventAlertId(const rules::CompiledRule& rule, const event::Event& event) {
  std::string key(event.recipient_account_id());
  key += ':';
  key.append(event.event_id());
  return AlertId(rule.id, key);
}

std::string CorrelationAlertId(const rules::CorrelationAlert& alert) {
  std::string key = alert.group_json;
  key += '\0';
  key += alert.first_event_id;
  return AlertId(alert.rule->id, key);
}

std::string FormatAlert(const rules::CompiledRule& rule, const event::Event& event,
                        const AlertInput& input, int64_t now_ns) {
  const std::string now = event::FormatEventTime(now_ns);
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Put(w, "schema", "trailhound.alert/v1");
  Put(w, "alert_id", EventAlertId(rule, event));
  Put(w, "time", now);
  Put(w, "summary", Summary(rule.title, &event, event.recipient_account_id()));
  PutRule(w, rule);
  PutEvent(w, event);
  w.Key("correlation");
  w.Null();
  PutDedup(w, now, now);
  PutInput(w, input, event.position());
  PutTail(w);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string FormatCorrelationAlert(const rules::CorrelationAlert& alert,
                                   const event::Event* completing, const AlertInput& input,
                                   int64_t now_ns) {
  const bool have_event = completing != nullptr && completing->event_id() == alert.event_id;
  const std::string now = event::FormatEventTime(now_ns);
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Put(w, "schema", "trailhound.alert/v1");
  Put(w, "alert_id", CorrelationAlertId(alert));
  Put(w, "time", now);
  Put(w, "summary", Summary(alert.rule->title, have_event ? completing : nullptr, alert.account));
  PutRule(w, *alert.rule);
  if (have_event) {
    PutEvent(w, *completing);
  } else {
    PutEventById(w, alert.event_id, alert.account);
  }
  PutCorrelation(w, alert);
  PutDedup(w, event::FormatEventTime(alert.first_time_ns),
           event::FormatEventTime(alert.last_time_ns));
  if (have_event) {
    PutInput(w, input, completing->position());
  } else {
    w.Key("input");
    w.StartObject();
    Put(w, "source", input.source);
    Put(w, "received_at", event::FormatEventTime(input.received_at_ns));
    w.EndObject();
  }
  PutTail(w);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string EventsLostAlertId(const EventsLost& lost) {
  return AlertId(
      kEventsLostRuleId,
      base::StrCat({lost.topic, ":", std::to_string(lost.partition), ":",
                    lost.at_offset >= 0 ? std::to_string(lost.at_offset) : lost.message}));
}

std::string FormatEventsLostAlert(const EventsLost& lost, int64_t now_ns) {
  rules::RuleMetadata rule;
  rule.id = std::string(kEventsLostRuleId);
  rule.title = "CloudTrail events lost before trailhound read them";
  rule.level = "high";
  rule.tags = {"trailhound.pipeline"};
  rule.author = "trailhound";
  rule.status = "stable";
  rule.description =
      "The Kafka offset to resume from was no longer on the broker (retention overran it), so "
      "the consumer skipped ahead: events in between were never evaluated. Check for an outage "
      "or a flood on the topic, and replay the gap from the CloudTrail S3 logs.";
  const std::string now = event::FormatEventTime(now_ns);
  const std::string where = base::StrCat({lost.topic, "/", std::to_string(lost.partition)});
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Put(w, "schema", "trailhound.alert/v1");
  Put(w, "alert_id", EventsLostAlertId(lost));
  Put(w, "time", now);
  Put(w, "summary", base::StrCat({rule.title, " | ", where}));
  PutRule(w, rule, "builtin");
  PutEventById(w, "", "");
  w.Key("correlation");
  w.Null();
  PutDedup(w, now, now);
  w.Key("input");
  w.StartObject();
  Put(w, "source", "kafka");
  Put(w, "received_at", now);
  Put(w, "topic", lost.topic);
  w.Key("partition");
  w.Int(lost.partition);
  w.Key("offset");
  if (lost.at_offset >= 0) {
    w.Int64(lost.at_offset);
  } else {
    w.Null();
  }
  w.EndObject();
  w.Key("pipeline");
  w.StartObject();
  Put(w, "kind", "offset-reset");
  Put(w, "message", lost.message);
  w.EndObject();
  PutTail(w);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace trailhound::pipeline
