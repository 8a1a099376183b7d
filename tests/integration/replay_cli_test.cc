// tests/integration/replay_cli_test.cc: the real `trailhound replay` binary over inputs the test
// writes into a fresh temporary directory: its exit codes, --stats, --dump-events, --dead-letter,
// stdin, and the one-line summary on stderr (DESIGN.md "Command line", FORMATS.md §1, §3, §8).
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "pipeline/codec.h"
#include "tests/integration/cli_harness.h"

namespace trailhound {
namespace {

using namespace trailhound::testing;  // NOLINT: the harness is this file's vocabulary
namespace fs = std::filesystem;

// A complete CloudTrail record; `extra` is spliced in as further members.
std::string Record(std::string_view event_id, std::string_view event_name,
                   std::string_view extra = "") {
  std::string record = R"({"eventVersion":"1.08","userIdentity":{"type":"IAMUser",)"
                       R"("arn":"arn:aws:iam::111111111111:user/alice","accountId":"111111111111",)"
                       R"("accessKeyId":"AKIAEXAMPLE"},"eventTime":"2023-07-10T11:45:01Z",)"
                       R"("eventSource":"s3.amazonaws.com","eventName":")";
  record += event_name;
  record += R"(","awsRegion":"eu-west-1","sourceIPAddress":"203.0.113.7","eventID":")";
  record += event_id;
  record += R"(","readOnly":true,"recipientAccountId":"111111111111")";
  if (!extra.empty()) {
    record += ",";
    record += extra;
  }
  record += "}";
  return record;
}

constexpr std::string_view kTrailFile =
    "in/AWSLogs/111111111111/CloudTrail/eu-west-1/2023/07/10/"
    "111111111111_CloudTrail_eu-west-1_20230710T1145Z_abcdefgh12345678.json.gz";
constexpr std::string_view kDigestFile =
    "in/AWSLogs/111111111111/CloudTrail-Digest/eu-west-1/2023/07/10/"
    "111111111111_CloudTrail-Digest_eu-west-1_trail_eu-west-1_20230710T114501Z.json.gz";
constexpr std::string_view kBadLine = R"({"eventID":"broken","eventName":)";

std::string DigestJson() {
  return R"({"awsAccountId":"111111111111","digestStartTime":"2023-07-10T10:45:01Z",)"
         R"("digestEndTime":"2023-07-10T11:45:01Z","digestS3Bucket":"trail-bucket",)"
         R"("digestS3Object":"AWSLogs/111111111111/CloudTrail-Digest/x.json.gz",)"
         R"("digestPublicKeyFingerprint":"00","digestSignatureAlgorithm":"SHA256withRSA",)"
         R"("logFiles":[{"s3Bucket":"trail-bucket","s3Object":"x.json.gz","hashValue":"00",)"
         R"("hashAlgorithm":"SHA-256","newestEventTime":"2023-07-10T11:45:01Z",)"
         R"("oldestEventTime":"2023-07-10T11:40:00Z"}]})";
}

// A trail directory with one of each input the walk and the decoder must tell apart.
void WriteMixedInputs(const TempDir& dir) {
  WriteFile(dir / kTrailFile, pipeline::Gzip("{\"Records\":[" + Record("rec-1", "GetObject") + "," +
                                             Record("rec-2", "PutObject") + "," +
                                             Record("rec-3", "DeleteObject") + "]}"));
  WriteFile(dir / "in/eventbridge.json",
            R"({"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718",)"
            R"("detail-type":"AWS API Call via CloudTrail","source":"aws.s3",)"
            R"("account":"111111111111","time":"2023-07-10T11:45:01Z","region":"eu-west-1",)"
            R"("resources":[],"detail":)" +
                Record("eb-1", "PutBucketPolicy") + "}");
  WriteFile(dir / "in/lines.ndjson", Record("line-1", "ListBuckets") + "\n" +
                                         std::string(kBadLine) + "\n" +
                                         Record("line-3", "GetBucketAcl") + "\n");
  WriteFile(dir / kDigestFile, pipeline::Gzip(DigestJson()));
  WriteFile(dir / "in/notes.txt", "not CloudTrail\n");
}

std::optional<rapidjson::Document> ParseJson(const std::string& text) {
  rapidjson::Document document;
  document.Parse(text.data(), text.size());
  if (document.HasParseError()) {
    ADD_FAILURE() << "not JSON: " << text;
    return std::nullopt;
  }
  return document;
}

uint64_t Member(const rapidjson::Value& object, const char* group, const char* key) {
  const rapidjson::Value& parent = group == nullptr ? object : object[group];
  EXPECT_TRUE(parent.IsObject()) << (group != nullptr ? group : "");
  if (!parent.IsObject() || !parent.HasMember(key) || !parent[key].IsUint64()) {
    ADD_FAILURE() << "stats lack " << (group != nullptr ? group : "") << "." << key;
    return ~uint64_t{0};
  }
  return parent[key].GetUint64();
}

TEST(ReplayCli, MixedTrailDirectoryGivesStatsDumpAndDeadLetters) {
  TempDir dir;
  WriteMixedInputs(dir);
  const RunResult run =
      RunTrailhound(dir, {"replay", "--stats", dir / "stats.json", "--dump-events",
                          dir / "events.ndjson", "--dead-letter", dir / "dead.ndjson", dir / "in"});
  EXPECT_EQ(run.exit_code, 0) << run.err;

  const std::optional<rapidjson::Document> stats = ParseJson(ReadFile(dir / "stats.json"));
  ASSERT_TRUE(stats.has_value());
  struct Row {
    const char* group;
    const char* key;
    uint64_t want;
  };
  const Row rows[] = {
      {nullptr, "files", 3},  // the trail file, eventbridge.json, lines.ndjson
      {nullptr, "records", 7},
      {nullptr, "events", 6},
      {"files_skipped", "digest", 1},
      {"files_skipped", "other", 1},
      {"events_by_envelope", "records", 3},
      {"events_by_envelope", "bare", 2},
      {"events_by_envelope", "eventbridge", 1},
      {"events_by_envelope", "array", 0},
      {"skipped", "digest", 0},
      {"skipped", "control-message", 0},
      {"skipped", "empty", 0},
      {"errors", "malformed-json", 1},
      {"errors", "not-cloudtrail", 0},
      {"errors", "too-large", 0},
      {"flags", "partial", 0},
      {"flags", "time_unknown", 0},
      {"flags", "derived_id", 0},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(std::string(row.group != nullptr ? row.group : "") + "." + row.key);
    EXPECT_EQ(Member(*stats, row.group, row.key), row.want);
  }

  // Files are read in name order; each dumped line is the bare record, envelopes removed.
  const std::vector<std::string> dumped = Lines(ReadFile(dir / "events.ndjson"));
  const std::vector<std::string> want_ids = {"rec-1", "rec-2", "rec-3", "eb-1", "line-1", "line-3"};
  ASSERT_EQ(dumped.size(), want_ids.size());
  for (size_t i = 0; i < dumped.size(); ++i) {
    SCOPED_TRACE(dumped[i]);
    const std::optional<rapidjson::Document> record = ParseJson(dumped[i]);
    ASSERT_TRUE(record.has_value() && record->IsObject());
    ASSERT_TRUE(record->HasMember("eventID"));
    EXPECT_EQ(std::string((*record)["eventID"].GetString()), want_ids[i]);
    for (const char* envelope_key : {"Records", "detail", "detail-type", "source", "version"}) {
      EXPECT_FALSE(record->HasMember(envelope_key)) << envelope_key;
    }
    EXPECT_TRUE(record->HasMember("eventName"));
    EXPECT_EQ(dumped[i].find('\n'), std::string::npos);
    EXPECT_EQ(dumped[i].find(": "), std::string::npos) << "canonical JSON is minified";
  }
  EXPECT_EQ(dumped[3], Record("eb-1", "PutBucketPolicy"));

  const std::vector<std::string> dead = Lines(ReadFile(dir / "dead.ndjson"));
  ASSERT_EQ(dead.size(), 1u);
  const std::optional<rapidjson::Document> entry = ParseJson(dead[0]);
  ASSERT_TRUE(entry.has_value() && entry->IsObject());
  for (const char* key : {"time", "source", "position", "reason", "error", "raw"}) {
    ASSERT_TRUE(entry->HasMember(key) && (*entry)[key].IsString()) << key;
  }
  EXPECT_EQ(std::string((*entry)["reason"].GetString()), "malformed-json");
  EXPECT_EQ(std::string((*entry)["source"].GetString()), dir / "in/lines.ndjson");
  const std::string position = (*entry)["position"].GetString();
  EXPECT_NE(position.find("lines.ndjson"), std::string::npos) << position;
  EXPECT_NE(position.find("line 2"), std::string::npos) << position;
  EXPECT_EQ(std::string((*entry)["raw"].GetString()), kBadLine);
  EXPECT_FALSE(std::string((*entry)["error"].GetString()).empty());

  const std::vector<std::string> err_lines = Lines(run.err);
  ASSERT_EQ(err_lines.size(), 1u) << run.err;
  EXPECT_NE(err_lines[0].find("6 events"), std::string::npos) << err_lines[0];
  EXPECT_NE(err_lines[0].find("1 rejected"), std::string::npos) << err_lines[0];
  EXPECT_TRUE(run.out.empty()) << "nothing on stdout without --out: " << run.out;
}

TEST(ReplayCli, DigestFileNamedExplicitlyIsSkippedByShape) {
  TempDir dir;
  WriteFile(dir / kDigestFile, pipeline::Gzip(DigestJson()));
  const RunResult run =
      RunTrailhound(dir, {"replay", "--stats", dir / "stats.json", dir / kDigestFile});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  const std::optional<rapidjson::Document> stats = ParseJson(ReadFile(dir / "stats.json"));
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(Member(*stats, nullptr, "files"), 1u);
  EXPECT_EQ(Member(*stats, nullptr, "events"), 0u);
  EXPECT_EQ(Member(*stats, "skipped", "digest"), 1u);
  EXPECT_EQ(Member(*stats, "errors", "not-cloudtrail"), 0u);
}

TEST(ReplayCli, StdinIsReadWhenThePathIsDash) {
  TempDir dir;
  const std::string not_utf8 = "{\"eventID\":\"bad-utf8\",\"eventName\":\"\xff\xfe\"}";
  WriteFile(dir / "stdin.ndjson", Record("in-1", "GetObject") + "\n" + std::string(kBadLine) +
                                      "\n" + Record("in-3", "PutObject") + "\n" + not_utf8 + "\n");
  const RunResult run =
      RunTrailhound(dir,
                    {"replay", "--stats", dir / "stats.json", "--dump-events",
                     dir / "events.ndjson", "--dead-letter", dir / "dead.ndjson", "-"},
                    dir / "stdin.ndjson");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  const std::optional<rapidjson::Document> stats = ParseJson(ReadFile(dir / "stats.json"));
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(Member(*stats, nullptr, "files"), 1u);
  EXPECT_EQ(Member(*stats, nullptr, "events"), 2u);
  EXPECT_EQ(Member(*stats, "errors", "malformed-json"), 2u);
  EXPECT_EQ(Lines(ReadFile(dir / "events.ndjson")),
            (std::vector<std::string>{Record("in-1", "GetObject"), Record("in-3", "PutObject")}));

  // Dead letters carry the stdin position, and the bytes as text or, when not UTF-8, base64.
  const std::vector<std::string> dead = Lines(ReadFile(dir / "dead.ndjson"));
  ASSERT_EQ(dead.size(), 2u);
  const char* const want_line[] = {"line 2", "line 4"};
  for (size_t i = 0; i < dead.size(); ++i) {
    SCOPED_TRACE(dead[i]);
    const std::optional<rapidjson::Document> entry = ParseJson(dead[i]);
    ASSERT_TRUE(entry.has_value() && entry->IsObject() && entry->HasMember("position") &&
                entry->HasMember("source") && entry->HasMember("reason"));
    EXPECT_EQ(std::string((*entry)["source"].GetString()), "-");
    const std::string position = (*entry)["position"].GetString();
    EXPECT_EQ(position.rfind("- @", 0), 0u) << position;
    EXPECT_NE(position.find(want_line[i]), std::string::npos) << position;
    EXPECT_EQ(std::string((*entry)["reason"].GetString()), "malformed-json");
  }
  const std::optional<rapidjson::Document> binary = ParseJson(dead[1]);
  ASSERT_TRUE(binary.has_value() && binary->IsObject());
  EXPECT_FALSE(binary->HasMember("raw"));
  ASSERT_TRUE(binary->HasMember("raw_b64") && (*binary)["raw_b64"].IsString());
  EXPECT_EQ(std::string((*binary)["raw_b64"].GetString()), pipeline::EncodeBase64(not_utf8));
  EXPECT_NE(run.err.find("2 events"), std::string::npos) << run.err;
}

TEST(ReplayCli, DumpEventsToDashWritesStdout) {
  TempDir dir;
  WriteFile(dir / "one.json", Record("only-1", "GetObject"));
  const RunResult run = RunTrailhound(dir, {"replay", "--dump-events", "-", dir / "one.json"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, Record("only-1", "GetObject") + "\n");
}

TEST(ReplayCli, LimitsFromTheCommandLineRejectOversizedAndTooDeepRecords) {
  TempDir dir;
  WriteFile(dir / "big.json",
            Record("big-1", "PutObject",
                   R"("requestParameters":{"pad":")" + std::string(4000, 'x') + R"("})"));
  std::string nested = R"("requestParameters":)";
  for (int i = 0; i < 12; ++i) {
    nested += R"({"a":)";
  }
  nested += "1" + std::string(12, '}');
  WriteFile(dir / "deep.json", Record("deep-1", "PutObject", nested));
  const RunResult run =
      RunTrailhound(dir, {"replay", "--max-event-bytes", "2048", "--max-depth", "8", "--stats",
                          dir / "stats.json", dir / "big.json", dir / "deep.json"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  const std::optional<rapidjson::Document> stats = ParseJson(ReadFile(dir / "stats.json"));
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(Member(*stats, nullptr, "events"), 0u);
  EXPECT_EQ(Member(*stats, "errors", "too-large"), 1u);
  EXPECT_EQ(Member(*stats, "errors", "depth-exceeded"), 1u);

  const RunResult defaults = RunTrailhound(
      dir, {"replay", "--stats", dir / "stats.json", dir / "big.json", dir / "deep.json"});
  EXPECT_EQ(defaults.exit_code, 0) << defaults.err;
  const std::optional<rapidjson::Document> default_stats = ParseJson(ReadFile(dir / "stats.json"));
  ASSERT_TRUE(default_stats.has_value());
  EXPECT_EQ(Member(*default_stats, nullptr, "events"), 2u) << "both fit the default limits";
}

TEST(ReplayCli, UsageErrorsExitWithTwo) {
  TempDir dir;
  WriteFile(dir / "one.json", Record("only-1", "GetObject"));
  struct Row {
    std::string_view name;
    std::vector<std::string> args;
    std::string_view want_in_stderr;
  };
  const Row rows[] = {
      {"nonexistent path", {"replay", dir / "does-not-exist.json"}, "does-not-exist.json"},
      {"nonexistent path beside a good one",
       {"replay", dir / "one.json", dir / "missing-dir"},
       "missing-dir"},
      {"no paths", {"replay"}, "paths"},
      {"unknown flag", {"replay", "--bogus", dir / "one.json"}, "--bogus"},
      {"max-depth out of range", {"replay", "--max-depth", "1", dir / "one.json"}, "max-depth"},
      {"no subcommand", {}, ""},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const RunResult run = RunTrailhound(dir, row.args);
    EXPECT_EQ(run.exit_code, 2) << run.err;
    EXPECT_NE(run.err.find(row.want_in_stderr), std::string::npos) << run.err;
  }
}

TEST(ReplayCli, UnwritableOutputIsAUsageError) {
  TempDir dir;
  WriteFile(dir / "one.json", Record("only-1", "GetObject"));
  const RunResult run =
      RunTrailhound(dir, {"replay", "--stats", dir / "no/such/dir/stats.json", dir / "one.json"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("stats.json"), std::string::npos) << run.err;
}

constexpr char kStopLoggingRule[] = R"(title: Trail stopped
id: 0b3a5c1e-5d2f-4f7e-9d7a-2f6a0f1b9c01
level: high
author: trailhound tests
tags: [attack.defense-evasion]
logsource: {product: aws, service: cloudtrail}
detection:
  selection:
    eventName: StopLogging
  condition: selection
)";

TEST(ReplayCli, RulesProduceDeterministicAlertsWithTheDocumentedShape) {
  TempDir dir;
  WriteFile(dir / "rules/stop.yml", kStopLoggingRule);
  WriteFile(dir / "rules/broken.yml", "title: b\nid: x\nlogsource: {product: aws}\n");
  WriteFile(dir / "trail.ndjson", Record("e1", "StopLogging") + "\n" + Record("e2", "ListBuckets") +
                                      "\n" + Record("e3", "StopLogging") + "\n");
  const RunResult first = RunTrailhound(dir, {"replay", "--rules", dir / "rules", "--out",
                                              dir / "alerts.ndjson", dir / "trail.ndjson"});
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find("error[missing-key]"), std::string::npos)
      << "the broken rule is reported";
  EXPECT_NE(first.err.find("2 alerts"), std::string::npos) << first.err;
  const std::vector<std::string> alerts = Lines(ReadFile(dir / "alerts.ndjson"));
  ASSERT_EQ(alerts.size(), 2u);
  const std::optional<rapidjson::Document> alert = ParseJson(alerts[0]);
  ASSERT_TRUE(alert.has_value());
  EXPECT_STREQ((*alert)["schema"].GetString(), "trailhound.alert/v1");
  const std::string id = (*alert)["alert_id"].GetString();
  EXPECT_EQ(id.size(), 32u);
  EXPECT_STREQ((*alert)["rule"]["source"].GetString(), "sigma");
  EXPECT_STREQ((*alert)["rule"]["author"].GetString(), "trailhound tests");
  EXPECT_STREQ((*alert)["event"]["eventID"].GetString(), "e1");
  EXPECT_STREQ((*alert)["input"]["source"].GetString(), "file");
  EXPECT_EQ((*alert)["input"]["line"].GetUint(), 1u);  // NDJSON: the line (§5.1)
  EXPECT_STREQ((*alert)["input"]["path"].GetString(), (dir / "trail.ndjson").c_str());
  EXPECT_STREQ((*alert)["rule"]["uuid"].GetString(), "0b3a5c1e-5d2f-4f7e-9d7a-2f6a0f1b9c01");
  EXPECT_TRUE((*alert)["correlation"].IsNull());
  EXPECT_EQ((*ParseJson(alerts[1]))["input"]["line"].GetUint(), 3u);
  const rapidjson::Value& context = (*alert)["context"];
  EXPECT_EQ(context.MemberCount(), 11u);
  EXPECT_STREQ(context["track"]["status"].GetString(), "unknown");
  // The same input again gives the same alert ids.
  const RunResult second =
      RunTrailhound(dir, {"replay", "--rules", dir / "rules/stop.yml", dir / "trail.ndjson"});
  const std::vector<std::string> again = Lines(second.out);
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(std::string((*ParseJson(again[0]))["alert_id"].GetString()), id);
}

constexpr char kListingCorrelation[] = R"(title: bucket listing
id: 6c1f6f0e-1a2b-4c3d-8e4f-5a6b7c8d9e01
name: bucket_listing
level: low
logsource: {product: aws, service: cloudtrail}
detection:
  selection:
    eventName: ListBuckets
  condition: selection
---
title: Many bucket listings
id: 6c1f6f0e-1a2b-4c3d-8e4f-5a6b7c8d9e02
level: medium
author: trailhound tests
correlation:
  type: event_count
  rules: [bucket_listing]
  group-by: [recipientAccountId, sourceIPAddress]
  timespan: 10m
  condition: {gte: 3}
---
title: Few deletes
id: 6c1f6f0e-1a2b-4c3d-8e4f-5a6b7c8d9e03
level: low
correlation:
  type: event_count
  rules: [6c1f6f0e-1a2b-4c3d-8e4f-5a6b7c8d9e04]
  group-by: recipientAccountId
  timespan: 1h
  condition: {lt: 5}
  generate: true
---
title: delete object
id: 6c1f6f0e-1a2b-4c3d-8e4f-5a6b7c8d9e04
level: low
logsource: {product: aws, service: cloudtrail}
detection:
  selection:
    eventName: DeleteObject
  condition: selection
)";

// Correlations in replay: the base rule of a `generate: false` correlation raises nothing of
// its own, the count fires once on the record that completes it, and an upper-bound window
// still open at the end of input is closed and checked (SIGMA.md §13).
TEST(ReplayCli, CorrelationAlertsNameTheEventsThatFormedThem) {
  TempDir dir;
  WriteFile(dir / "rules/listing.yml", kListingCorrelation);
  WriteFile(dir / "trail.ndjson", Record("l1", "ListBuckets") + "\n" + Record("l2", "ListBuckets") +
                                      "\n" + Record("d1", "DeleteObject") + "\n" +
                                      Record("l3", "ListBuckets") + "\n");
  const RunResult run =
      RunTrailhound(dir, {"replay", "--rules", dir / "rules", "--stats", dir / "stats.json",
                          "--out", dir / "alerts.ndjson", dir / "trail.ndjson"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<std::string> titles;
  std::optional<rapidjson::Document> listing;
  std::optional<rapidjson::Document> deletes;
  for (const std::string& line : Lines(ReadFile(dir / "alerts.ndjson"))) {
    std::optional<rapidjson::Document> alert = ParseJson(line);
    ASSERT_TRUE(alert.has_value()) << line;
    titles.push_back((*alert)["rule"]["title"].GetString());
    if (titles.back() == "Many bucket listings") {
      listing = std::move(alert);
    } else if (titles.back() == "Few deletes") {
      deletes = std::move(alert);
    }
  }
  // `delete object` alerts on its own: its correlation says generate: true.
  EXPECT_EQ(titles,
            (std::vector<std::string>{"delete object", "Many bucket listings", "Few deletes"}));
  ASSERT_TRUE(listing.has_value());
  const rapidjson::Value& correlation = (*listing)["correlation"];
  EXPECT_STREQ(correlation["type"].GetString(), "event_count");
  EXPECT_EQ(correlation["count"].GetUint(), 3u);
  EXPECT_EQ(correlation["window_s"].GetUint(), 600u);
  EXPECT_STREQ(correlation["group"]["sourceIPAddress"].GetString(), "203.0.113.7");
  EXPECT_STREQ(correlation["group"]["recipientAccountId"].GetString(), "111111111111");
  ASSERT_EQ(correlation["event_ids"].Size(), 3u);
  EXPECT_STREQ(correlation["event_ids"][0].GetString(), "l1");
  EXPECT_STREQ(correlation["event_ids"][2].GetString(), "l3");
  EXPECT_FALSE(correlation["truncated"].GetBool());
  EXPECT_STREQ((*listing)["event"]["eventID"].GetString(), "l3");  // it completed the count
  EXPECT_STREQ((*listing)["event"]["eventName"].GetString(), "ListBuckets");
  EXPECT_EQ((*listing)["input"]["line"].GetUint(), 4u);
  // Closed at the end of input: the record is known by id and account only, the rest null.
  ASSERT_TRUE(deletes.has_value());
  EXPECT_EQ((*deletes)["correlation"]["count"].GetUint(), 1u);
  EXPECT_STREQ((*deletes)["event"]["eventID"].GetString(), "d1");
  ASSERT_TRUE((*deletes)["event"].HasMember("eventName"));
  EXPECT_TRUE((*deletes)["event"]["eventName"].IsNull());
  const std::optional<rapidjson::Document> stats = ParseJson(ReadFile(dir / "stats.json"));
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ((*stats)["correlation"]["rules"].GetUint(), 2u);
  EXPECT_EQ((*stats)["correlation"]["alerts"].GetUint(), 2u);
  EXPECT_EQ((*stats)["alerts"].GetUint(), 3u);
  // Deterministic ids: the same input gives the same correlation alert id.
  const RunResult again =
      RunTrailhound(dir, {"replay", "--rules", dir / "rules", dir / "trail.ndjson"});
  EXPECT_NE(again.out.find((*listing)["alert_id"].GetString()), std::string::npos);
}

TEST(ReplayCli, RulesThatAllFailToLoadAreAUsageError) {
  TempDir dir;
  WriteFile(dir / "broken.yml", "title: b\nid: x\nlogsource: {product: aws}\n");
  WriteFile(dir / "trail.ndjson", Record("e1", "StopLogging") + "\n");
  EXPECT_EQ(
      RunTrailhound(dir, {"replay", "--rules", dir / "broken.yml", dir / "trail.ndjson"}).exit_code,
      2);
}

}  // namespace
}  // namespace trailhound
