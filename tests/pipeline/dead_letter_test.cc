// Tests for pipeline/dead_letter.cc: the dead-letter line of FORMATS.md §8, parsed back with
// RapidJSON to check every field.
#include "pipeline/dead_letter.h"

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <simdjson.h>

#include "pipeline/codec.h"
#include "pipeline/decode.h"
#include "pipeline/event/position.h"

namespace trailhound::pipeline {
namespace {

constexpr int64_t kNowNs = 1741944418512000000;  // 2025-03-14T09:26:58.512Z

Rejected MakeRejected(std::string_view raw) {
  Rejected rejected;
  rejected.position.source = std::make_shared<const std::string>("trail.json.gz");
  rejected.position =
      rejected.position.With(event::StepKind::kGzip, 0).With(event::StepKind::kRecords, 12);
  rejected.reason = RejectReason::kMalformedJson;
  rejected.error = "unterminated \"string\"";
  rejected.raw = raw;
  return rejected;
}

// Parses a dead-letter line; fails the test when it is not one JSON object.
rapidjson::Document Parse(const std::string& line) {
  rapidjson::Document doc;
  doc.Parse(line.data(), line.size());
  EXPECT_FALSE(doc.HasParseError()) << line;
  EXPECT_TRUE(doc.IsObject()) << line;
  return doc;
}

std::string StringMember(const rapidjson::Document& doc, const char* key) {
  if (!doc.IsObject() || !doc.HasMember(key) || !doc[key].IsString()) {
    ADD_FAILURE() << "no string member " << key;
    return {};
  }
  return std::string(doc[key].GetString(), doc[key].GetStringLength());
}

TEST(FormatDeadLetter, WritesEveryDocumentedField) {
  const std::string line = FormatDeadLetter(MakeRejected(R"({"eventID":)"), kNowNs, {});
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const rapidjson::Document doc = Parse(line);
  std::set<std::string> keys;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    keys.insert(it->name.GetString());
  }
  EXPECT_EQ(keys, (std::set<std::string>{"time", "source", "position", "reason", "error", "raw",
                                         "raw_bytes", "raw_truncated"}));
  EXPECT_EQ(StringMember(doc, "time"), "2025-03-14T09:26:58.512Z");
  EXPECT_EQ(StringMember(doc, "source"), "trail.json.gz");
  EXPECT_EQ(StringMember(doc, "position"), "trail.json.gz @0 gzip > Records[12]");
  EXPECT_EQ(StringMember(doc, "reason"), "malformed-json");
  EXPECT_EQ(StringMember(doc, "error"), "unterminated \"string\"");
  EXPECT_EQ(StringMember(doc, "raw"), R"({"eventID":)");
  ASSERT_TRUE(doc["raw_bytes"].IsUint64());
  EXPECT_EQ(doc["raw_bytes"].GetUint64(), 11u);
  ASSERT_TRUE(doc["raw_truncated"].IsBool());
  EXPECT_FALSE(doc["raw_truncated"].GetBool());
}

TEST(FormatDeadLetter, ReasonIsTheRejectReasonName) {
  for (size_t i = 0; i < kRejectReasonCount; ++i) {
    const RejectReason reason = static_cast<RejectReason>(i);
    SCOPED_TRACE(std::string(RejectReasonName(reason)));
    Rejected rejected = MakeRejected("x");
    rejected.reason = reason;
    const rapidjson::Document doc = Parse(FormatDeadLetter(rejected, kNowNs, {}));
    EXPECT_EQ(StringMember(doc, "reason"), RejectReasonName(reason));
  }
}

TEST(FormatDeadLetter, PositionWithoutSourceStillFormats) {
  Rejected rejected;
  rejected.raw = "{}";
  rejected.error = "e";
  const rapidjson::Document doc = Parse(FormatDeadLetter(rejected, 0, {}));
  EXPECT_EQ(StringMember(doc, "source"), "");
  EXPECT_EQ(StringMember(doc, "position"), "<unknown> @0");
  EXPECT_EQ(StringMember(doc, "time"), "1970-01-01T00:00:00Z");
}

TEST(FormatDeadLetter, RawIsTextWhenValidUtf8ElseBase64AndCutOnCharacterBoundaries) {
  struct Row {
    std::string name;
    std::string raw;
    size_t max_raw_bytes;
    std::string want_key;  // "raw" or "raw_b64"
    std::string want_value;
    bool want_truncated;
  };
  const std::string euro = "\xE2\x82\xAC";       // 3 bytes
  const std::string smile = "\xF0\x9F\x98\x80";  // 4 bytes
  const std::string invalid = "\xC3\x28";        // a lead byte without its continuation
  const std::vector<Row> rows = {
      {"ASCII", R"({"a":1})", 64, "raw", R"({"a":1})", false},
      {"empty", "", 64, "raw", "", false},
      {"multi-byte UTF-8", "caf\xC3\xA9 " + euro + smile, 64, "raw", "caf\xC3\xA9 " + euro + smile,
       false},
      {"control characters and NUL", std::string("a\0b\n\t\"\\", 7), 64, "raw",
       std::string("a\0b\n\t\"\\", 7), false},
      {"exactly the limit", "abcd", 4, "raw", "abcd", false},
      {"cut ASCII", "abcdef", 4, "raw", "abcd", true},
      {"cut inside a 2-byte character", "a\xC3\xA9", 2, "raw", "a", true},
      {"cut after a 2-byte character", "a\xC3\xA9z", 3, "raw", "a\xC3\xA9", true},
      {"cut after 1 byte of a 3-byte character", "ab" + euro, 3, "raw", "ab", true},
      {"cut after 2 bytes of a 3-byte character", "ab" + euro, 4, "raw", "ab", true},
      {"cut after 1 byte of a 4-byte character", "x" + smile + "y", 2, "raw", "x", true},
      {"cut after 2 bytes of a 4-byte character", "x" + smile + "y", 3, "raw", "x", true},
      {"cut after 3 bytes of a 4-byte character", "x" + smile + "y", 4, "raw", "x", true},
      {"cut after a 4-byte character", "x" + smile + "y", 5, "raw", "x" + smile, true},
      {"limit zero", "abc", 0, "raw", "", true},
      {"invalid UTF-8", "\xFF\xFE", 64, "raw_b64", "//4=", false},
      {"invalid UTF-8 in the middle", "ab" + invalid + "cd", 64, "raw_b64",
       EncodeBase64("ab" + invalid + "cd"), false},
      {"invalid UTF-8 cut", "\xFF" + std::string(100, 'a'), 10, "raw_b64",
       EncodeBase64("\xFF" + std::string(9, 'a')), true},
      {"invalid UTF-8 only past the cut", std::string(10, 'a') + "\xFF", 10, "raw",
       std::string(10, 'a'), true},
      {"overlong encoding", "\xC0\xAF", 64, "raw_b64", EncodeBase64("\xC0\xAF"), false},
      {"UTF-16 surrogate encoded in UTF-8", "\xED\xA0\x80", 64, "raw_b64",
       EncodeBase64("\xED\xA0\x80"), false},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    DeadLetterOptions options;
    options.max_raw_bytes = row.max_raw_bytes;
    const std::string line = FormatDeadLetter(MakeRejected(row.raw), kNowNs, options);
    EXPECT_EQ(line.find('\n'), std::string::npos);
    const rapidjson::Document doc = Parse(line);
    const std::string other_key = row.want_key == "raw" ? "raw_b64" : "raw";
    EXPECT_FALSE(doc.HasMember(other_key.c_str()));
    EXPECT_EQ(StringMember(doc, row.want_key.c_str()), row.want_value);
    ASSERT_TRUE(doc.HasMember("raw_bytes"));
    EXPECT_EQ(doc["raw_bytes"].GetUint64(), row.raw.size());
    ASSERT_TRUE(doc.HasMember("raw_truncated"));
    EXPECT_EQ(doc["raw_truncated"].GetBool(), row.want_truncated);
  }
}

TEST(FormatDeadLetter, TenMegabyteRawIsCutToTheLimit) {
  const std::string raw(10 << 20, 'A');
  DeadLetterOptions options;
  options.max_raw_bytes = 64 * 1024;
  const std::string line = FormatDeadLetter(MakeRejected(raw), kNowNs, options);
  EXPECT_LT(line.size(), size_t{70} * 1024);
  const rapidjson::Document doc = Parse(line);
  EXPECT_EQ(StringMember(doc, "raw").size(), options.max_raw_bytes);
  EXPECT_EQ(doc["raw_bytes"].GetUint64(), raw.size());
  EXPECT_TRUE(doc["raw_truncated"].GetBool());
}

TEST(FormatDeadLetter, SourcePathThatIsNotUtf8StaysValidJson) {
  Rejected rejected;
  rejected.position.source = std::make_shared<const std::string>("logs/caf\xE9.json");
  rejected.reason = RejectReason::kNotCloudTrail;
  rejected.raw = "{}";
  const std::string line = FormatDeadLetter(rejected, 0, DeadLetterOptions{});
  EXPECT_TRUE(simdjson::validate_utf8(line.data(), line.size()));
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(line).get(root), simdjson::SUCCESS) << line;
  std::string_view source;
  ASSERT_EQ(root["source"].get(source), simdjson::SUCCESS);
  EXPECT_EQ(source, "logs/caf\\xE9.json");
}

}  // namespace
}  // namespace trailhound::pipeline
