// tests/integration/shared_data_test.cc: the decoder over the public CloudTrail material in
// ../shared/data, read in place. Counts are those of ../shared/data/README.md; where a test
// needs more than a count (which records lack a field, which are Insights) it works it out from
// the JSON itself with a parser of its own. Skips, naming the folder, when the data is absent.
#include <arpa/inet.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "pipeline/decode.h"
#include "pipeline/event/event.h"
#include "pipeline/event/position.h"
#include "pipeline/source_file.h"
#include "rules/rule_set.h"

namespace trailhound::pipeline {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kMaxFileBytes = uint64_t{1} << 30;

std::string DataPath(std::string_view relative) {
  return std::string(TH_SHARED_DATA_DIR) + "/" + std::string(relative);
}

// Keeps every event and every rejection, and counts them the way replay does.
class CollectingSink : public DecodeSink {
 public:
  struct Reject {
    std::string position;
    RejectReason reason;
    std::string error;
  };

  void OnEvent(event::Event&& decoded) override {
    counts.CountEvent(decoded);
    events.push_back(std::move(decoded));
  }
  void OnReject(const Rejected& rejected) override {
    ++counts.rejected[static_cast<size_t>(rejected.reason)];
    rejects.push_back({rejected.position.ToString(), rejected.reason, rejected.error});
  }
  void OnSkip(SkipReason reason, const event::Position&) override {
    ++counts.skipped[static_cast<size_t>(reason)];
  }

  DecodeCounts counts;
  std::vector<event::Event> events;
  std::vector<Reject> rejects;
};

// Lists `dir` as replay does and returns the files whose name ends with `suffix`.
std::vector<std::string> ListFiles(const std::string& dir, std::string_view suffix) {
  base::Result<FileListing> listing = ListInputFiles({dir});
  EXPECT_TRUE(listing.has_value()) << dir;
  std::vector<std::string> files;
  if (!listing.has_value()) {
    return files;
  }
  EXPECT_TRUE(listing->errors.empty());
  for (const std::string& file : listing->files) {
    if (file.size() >= suffix.size() &&
        file.compare(file.size() - suffix.size(), suffix.size(), suffix) == 0) {
      files.push_back(file);
    }
  }
  return files;
}

void DecodeFiles(const std::vector<std::string>& files, CollectingSink& sink) {
  Decoder decoder;
  for (const std::string& file : files) {
    base::Result<std::string> bytes = ReadInputFile(file, kMaxFileBytes);
    ASSERT_TRUE(bytes.has_value()) << file;
    event::Position position;
    position.source = std::make_shared<const std::string>(file);
    decoder.Decode(*bytes, position, sink);
  }
}

std::string DescribeRejects(const CollectingSink& sink) {
  std::string out;
  for (const CollectingSink::Reject& reject : sink.rejects) {
    out += reject.position + ": " + std::string(RejectReasonName(reject.reason)) + ": " +
           reject.error + "\n";
  }
  return out;
}

bool IsIpLiteral(std::string_view text) {
  const std::string copy(text);
  unsigned char buffer[16];
  return inet_pton(AF_INET, copy.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, copy.c_str(), buffer) == 1;
}

// `YYYY-MM-DD[T ]hh:mm:ss[.fraction][Z]` by shape only, independent of ParseEventTime.
bool LooksLikeIsoTime(std::string_view text) {
  constexpr std::string_view kShape = "dddd-dd-ddXdd:dd:dd";
  if (text.size() < kShape.size()) {
    return false;
  }
  for (size_t i = 0; i < kShape.size(); ++i) {
    const char c = text[i];
    const bool ok = kShape[i] == 'd'   ? (c >= '0' && c <= '9')
                    : kShape[i] == 'X' ? (c == 'T' || c == ' ')
                                       : c == kShape[i];
    if (!ok) {
      return false;
    }
  }
  std::string_view rest = text.substr(kShape.size());
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    const size_t digits = rest.find_first_not_of("0123456789");
    rest.remove_prefix(digits == std::string_view::npos ? rest.size() : digits);
  }
  return rest.empty() || rest == "Z";
}

TEST(SharedData, StratusDetonationLogsDecodeTo310EventsIncludingNonIpSourceAddresses) {
  const std::string dir = DataPath("stratus-red-team/docs/detonation-logs");
  if (!fs::is_directory(dir)) {
    GTEST_SKIP() << "public data missing: " << dir;
  }
  const std::vector<std::string> files = ListFiles(dir, ".json");
  EXPECT_EQ(files.size(), 35u) << "one file per technique";
  CollectingSink sink;
  DecodeFiles(files, sink);

  EXPECT_EQ(sink.counts.events, 310u);
  EXPECT_EQ(sink.counts.total_rejected(), 0u) << DescribeRejects(sink);
  EXPECT_EQ(sink.counts.total_skipped(), 0u);
  EXPECT_EQ(sink.counts.events_by_envelope[static_cast<size_t>(event::EnvelopeKind::kArray)], 310u);
  uint64_t not_ip = 0;
  uint64_t labelled = 0;
  for (const event::Event& decoded : sink.events) {
    EXPECT_FALSE(decoded.event_name().empty());
    EXPECT_FALSE(decoded.aws_region().empty()) << "fake region names are kept as they are";
    EXPECT_TRUE(decoded.time_known()) << decoded.hot(event::HotField::kEventTime);
    labelled += decoded.hot(event::HotField::kUserAgent).find("stratus-red-team_") !=
                std::string_view::npos;
    if (!decoded.source_ip().empty() && !IsIpLiteral(decoded.source_ip())) {
      ++not_ip;
    }
  }
  // README: 107 sourceIPAddress values are not valid IP literals (leading zeros); the decoder
  // does not validate addresses, so those events decode with the text as it is.
  EXPECT_EQ(not_ip, 107u);
  EXPECT_GT(labelled, 300u);
}

TEST(SharedData, InvictusTrailDecodesTo2900EventsAllWithIdAndTime) {
  const std::string dir = DataPath("invictus-sigma-aws/CloudTrail");
  if (!fs::is_directory(dir)) {
    GTEST_SKIP() << "public data missing: " << dir;
  }
  const std::vector<std::string> files = ListFiles(dir, ".json");
  EXPECT_EQ(files.size(), 55u);
  CollectingSink sink;
  DecodeFiles(files, sink);

  EXPECT_EQ(sink.counts.events, 2900u);
  EXPECT_EQ(sink.counts.total_rejected(), 0u) << DescribeRejects(sink);
  EXPECT_EQ(sink.counts.total_skipped(), 0u);
  EXPECT_EQ(sink.counts.events_by_envelope[static_cast<size_t>(event::EnvelopeKind::kRecords)],
            2900u);
  EXPECT_EQ(sink.counts.derived_id, 0u);
  EXPECT_EQ(sink.counts.time_unknown, 0u);
  for (const event::Event& decoded : sink.events) {
    SCOPED_TRACE(decoded.position().ToString());
    EXPECT_FALSE(decoded.event_id().empty());
    EXPECT_FALSE(decoded.has_flag(event::kFlagDerivedId));
    EXPECT_TRUE(decoded.time_known());
    EXPECT_FALSE(decoded.event_name().empty());
    EXPECT_FALSE(decoded.recipient_account_id().empty());
  }
}

TEST(SharedData, AwsDocsExamplesDecodeTo112EventsWithTheirInsightRecords) {
  const std::string dir = DataPath("awsdocs-examples");
  if (!fs::is_directory(dir)) {
    GTEST_SKIP() << "public data missing: " << dir;
  }
  const std::vector<std::string> files = ListFiles(dir, ".records.ndjson");
  EXPECT_EQ(files.size(), 6u);

  // What the files hold, worked out line by line with a parser of our own.
  simdjson::dom::parser parser;
  uint64_t records = 0;
  std::vector<std::string> insight_names;
  for (const std::string& file : files) {
    base::Result<std::string> bytes = ReadInputFile(file, kMaxFileBytes);
    ASSERT_TRUE(bytes.has_value()) << file;
    std::string_view rest = *bytes;
    while (!rest.empty()) {
      const size_t newline = rest.find('\n');
      const std::string_view line = rest.substr(0, newline);
      rest.remove_prefix(newline == std::string_view::npos ? rest.size() : newline + 1);
      if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
        continue;
      }
      simdjson::dom::element record;
      ASSERT_EQ(parser.parse(line.data(), line.size()).get(record), simdjson::SUCCESS) << line;
      ++records;
      std::string_view type;
      std::string_view name;
      if (record["eventType"].get(type) == simdjson::SUCCESS && type == "AwsCloudTrailInsight" &&
          record.at_pointer("/insightDetails/eventName").get(name) == simdjson::SUCCESS) {
        insight_names.emplace_back(name);
      }
    }
  }
  EXPECT_EQ(records, 112u);
  EXPECT_FALSE(insight_names.empty()) << "the CloudTrail guide has Insight examples";

  CollectingSink sink;
  DecodeFiles(files, sink);
  EXPECT_EQ(sink.counts.events, 112u);
  EXPECT_EQ(sink.counts.total_rejected(), 0u) << DescribeRejects(sink);
  EXPECT_EQ(sink.counts.insight, insight_names.size());
  std::vector<std::string> decoded_insight_names;
  for (const event::Event& decoded : sink.events) {
    if (decoded.has_flag(event::kFlagInsight)) {
      decoded_insight_names.emplace_back(decoded.event_name());
    }
  }
  EXPECT_EQ(decoded_insight_names, insight_names);
}

TEST(SharedData, AwsDocsExtractionSummaryIsRejectedAsNotCloudTrail) {
  const std::string summary = DataPath("awsdocs-examples/EXTRACTION_SUMMARY.json");
  if (!fs::is_regular_file(summary)) {
    GTEST_SKIP() << "public data missing: " << summary;
  }
  // The walk takes it (its name ends in .json); the decoder must refuse it by shape.
  const std::vector<std::string> listed = ListFiles(DataPath("awsdocs-examples"), ".json");
  EXPECT_EQ(std::count(listed.begin(), listed.end(), summary), 1);
  CollectingSink sink;
  DecodeFiles({summary}, sink);
  EXPECT_EQ(sink.counts.events, 0u);
  ASSERT_EQ(sink.rejects.size(), 1u);
  EXPECT_EQ(sink.rejects[0].reason, RejectReason::kNotCloudTrail);
  EXPECT_NE(sink.rejects[0].position.find("EXTRACTION_SUMMARY.json"), std::string::npos);
}

TEST(SharedData, PantherRuleTestLogsEachDecodeToOneEventFlaggedWhereFieldsLack) {
  const std::string path = DataPath("panther-analysis/DERIVED_rule_tests.ndjson");
  if (!fs::is_regular_file(path)) {
    GTEST_SKIP() << "public data missing: " << path;
  }
  base::Result<std::string> bytes = ReadInputFile(path, kMaxFileBytes);
  ASSERT_TRUE(bytes.has_value());

  simdjson::dom::parser line_parser;
  Decoder decoder;
  uint64_t lines = 0;
  uint64_t lacking_name = 0;
  uint64_t lacking_time = 0;
  uint64_t lacking_id = 0;
  uint64_t odd_time = 0;
  uint64_t partial = 0;
  uint64_t time_unknown = 0;
  uint64_t derived_id = 0;
  std::string_view rest = *bytes;
  while (!rest.empty()) {
    const size_t newline = rest.find('\n');
    const std::string_view line = rest.substr(0, newline);
    rest.remove_prefix(newline == std::string_view::npos ? rest.size() : newline + 1);
    if (line.empty()) {
      continue;
    }
    ++lines;
    SCOPED_TRACE("line " + std::to_string(lines));
    simdjson::dom::object log;
    ASSERT_EQ(line_parser.parse(line.data(), line.size())["log"].get(log), simdjson::SUCCESS);
    const std::string minified = simdjson::minify(log);
    std::string_view name;
    const bool has_name = log["eventName"].get(name) == simdjson::SUCCESS;
    std::string_view time_text;
    const bool has_time = log["eventTime"].get(time_text) == simdjson::SUCCESS;
    const bool has_id = log["eventID"].error() == simdjson::SUCCESS;

    CollectingSink sink;
    event::Position position;
    position.source = std::make_shared<const std::string>(path);
    decoder.Decode(minified, position.With(event::StepKind::kLine, static_cast<uint32_t>(lines)),
                   sink);
    ASSERT_EQ(sink.events.size(), 1u) << DescribeRejects(sink);
    ASSERT_EQ(sink.counts.total_rejected(), 0u);
    const event::Event& decoded = sink.events[0];

    if (has_name) {
      EXPECT_EQ(decoded.event_name(), name);
    } else {
      ++lacking_name;
      EXPECT_EQ(decoded.event_name(), "");
      EXPECT_TRUE(decoded.has_flag(event::kFlagPartial));
    }
    if (!has_time) {
      ++lacking_time;
      EXPECT_TRUE(decoded.has_flag(event::kFlagPartial));
      EXPECT_TRUE(decoded.has_flag(event::kFlagTimeUnknown));
    } else {
      const bool iso = LooksLikeIsoTime(time_text);
      odd_time += !iso;
      EXPECT_EQ(decoded.time_known(), iso) << time_text;
    }
    if (!has_id) {
      ++lacking_id;
      EXPECT_TRUE(decoded.has_flag(event::kFlagDerivedId));
    }
    EXPECT_FALSE(decoded.event_id().empty());
    partial += decoded.has_flag(event::kFlagPartial);
    time_unknown += decoded.has_flag(event::kFlagTimeUnknown);
    derived_id += decoded.has_flag(event::kFlagDerivedId);
  }
  EXPECT_EQ(lines, 461u);
  EXPECT_GT(lacking_name, 0u) << "README: some panther events lack eventName";
  EXPECT_GT(lacking_time, 0u) << "README: some panther events lack eventTime";
  EXPECT_EQ(time_unknown, lacking_time + odd_time);
  EXPECT_EQ(derived_id, lacking_id);
  EXPECT_GE(partial, std::max(lacking_name, lacking_time));
}

// The eventName/eventSource index never hides a match: over every public record (panther's
// rule-test logs included, with their odd shapes), the index-driven MatchRules finds exactly
// what evaluating every SigmaHQ rule on every record finds.
TEST(SharedData, RuleIndexFindsWhatEvaluatingEveryRuleFinds) {
  const std::string rules_dir = DataPath("sigma/rules/cloud/aws/cloudtrail");
  if (!fs::is_directory(rules_dir)) {
    GTEST_SKIP() << "public data missing: " << rules_dir;
  }
  rules::Diagnostics diagnostics;
  const rules::LoadedRules loaded = rules::LoadRules({rules_dir}, {}, diagnostics);
  ASSERT_EQ(loaded.rules.size(), 57u);
  CollectingSink sink;
  for (const char* dir : {"stratus-red-team/docs/detonation-logs", "invictus-sigma-aws/CloudTrail",
                          "awsdocs-examples", "panther-analysis"}) {
    if (fs::is_directory(DataPath(dir))) {
      DecodeFiles(ListFiles(DataPath(dir), ""), sink);
    }
  }
  ASSERT_GT(sink.events.size(), 3000u);
  rules::EvalScratch scratch;
  std::vector<uint32_t> indexed;
  uint64_t matches = 0;
  for (const event::Event& decoded : sink.events) {
    rules::MatchRules(loaded, decoded, scratch, indexed);
    std::vector<uint32_t> every;
    for (uint32_t i = 0; i < loaded.rules.size(); ++i) {
      if (rules::RuleMatches(loaded.rules[i], decoded, scratch)) {
        every.push_back(i);
      }
    }
    EXPECT_EQ(indexed, every) << decoded.position().ToString();
    matches += every.size();
  }
  EXPECT_GT(matches, 100u);  // the comparison is not vacuous
}

}  // namespace
}  // namespace trailhound::pipeline
