// tests/integration/expected_detections_test.cc: the real `trailhound replay` with the 57 SigmaHQ
// CloudTrail rules over the public detonation logs and trail in ../shared/data, compared exactly
// with the detections reasoned by hand from each rule and record under SIGMA.md
// (tests/data/expected/: stratus.tsv per technique file, invictus.tsv and invictus-silent.txt for
// the invictus trail). A difference is printed as missing/unexpected (rule, eventID) pairs with the
// fixture's reason. Skips, naming the folder, when the shared data is absent.
#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "tests/integration/cli_harness.h"

namespace trailhound {
namespace {

using namespace trailhound::testing;  // NOLINT: the harness is this file's vocabulary

// Bounds for every loop over files and lines; the real material is far below them.
constexpr size_t kMaxFixtureLines = 10000;
constexpr size_t kMaxInputFiles = 1000;
constexpr size_t kMaxAlerts = 100000;

std::string SharedPath(std::string_view relative) {
  return std::string(TH_SHARED_DATA_DIR) + "/" + std::string(relative);
}

std::string FixturePath(std::string_view name) {
  return std::string(TH_SOURCE_DIR) + "/tests/data/expected/" + std::string(name);
}

const std::string kRulesDir = SharedPath("sigma/rules/cloud/aws/cloudtrail");
const std::string kStratusDir = SharedPath("stratus-red-team/docs/detonation-logs");
const std::string kInvictusDir = SharedPath("invictus-sigma-aws/CloudTrail");

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (fields.size() < 16) {
    const size_t tab = line.find('\t', start);
    fields.push_back(
        line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) {
      break;
    }
    start = tab + 1;
  }
  return fields;
}

// One non-comment fixture line, split at tabs, with its line number for messages.
struct FixtureLine {
  size_t number = 0;
  std::vector<std::string> fields;
};

// The lines of a fixture that are neither empty nor '#' comments, each with `columns` fields.
std::vector<FixtureLine> ReadFixture(const std::string& path, size_t columns) {
  std::vector<FixtureLine> rows;
  EXPECT_TRUE(std::filesystem::is_regular_file(path)) << "fixture missing: " << path;
  const std::vector<std::string> lines = Lines(ReadFile(path));
  EXPECT_LT(lines.size(), kMaxFixtureLines) << path;
  for (size_t i = 0; i < lines.size() && i < kMaxFixtureLines; ++i) {
    const std::string& line = lines[i];
    if (line.empty() || line[0] == '#') {
      continue;
    }
    FixtureLine row{i + 1, SplitTabs(line)};
    EXPECT_EQ(row.fields.size(), columns) << path << ":" << row.number << ": " << line;
    EXPECT_FALSE(row.fields.back().empty()) << path << ":" << row.number << ": no reason";
    if (row.fields.size() == columns) {
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

// A (rule id, eventID) pair, the unit every comparison here is made of.
using Pair = std::pair<std::string, std::string>;

struct ExpectedPair {
  std::string file;  // the input file the record is in (invictus), or empty
  std::string reason;
  size_t line = 0;
};

struct Alert {
  std::string rule_id;
  std::string rule_title;
  std::string event_id;
  std::string event_name;
  std::string file;  // base name of input.path
};

std::string MemberString(const rapidjson::Value& object, const char* outer, const char* inner) {
  if (!object.IsObject() || !object.HasMember(outer) || !object[outer].IsObject()) {
    return "";
  }
  const rapidjson::Value& value = object[outer];
  if (!value.HasMember(inner) || !value[inner].IsString()) {
    return "";
  }
  return value[inner].GetString();
}

// Replays `input` (a file or a directory) with the SigmaHQ rules and returns the alerts.
std::vector<Alert> Replay(const std::vector<std::string>& inputs) {
  TempDir dir;
  const std::string out = dir / "alerts.ndjson";
  std::vector<std::string> args = {"replay", "--no-builtin", "--rules", kRulesDir, "--out", out};
  args.insert(args.end(), inputs.begin(), inputs.end());
  const RunResult run = RunTrailhound(dir, args);
  EXPECT_EQ(run.exit_code, 0) << inputs.front() << "\n" << run.err;
  std::vector<Alert> alerts;
  const std::vector<std::string> lines = Lines(ReadFile(out));
  EXPECT_LT(lines.size(), kMaxAlerts);
  for (size_t i = 0; i < lines.size() && i < kMaxAlerts; ++i) {
    rapidjson::Document json;
    json.Parse(lines[i].c_str());
    if (json.HasParseError() || !json.IsObject()) {
      ADD_FAILURE() << "alert line " << i + 1 << " is not a JSON object: " << lines[i];
      continue;
    }
    Alert alert;
    alert.rule_id = MemberString(json, "rule", "id");
    alert.rule_title = MemberString(json, "rule", "title");
    alert.event_id = MemberString(json, "event", "eventID");
    alert.event_name = MemberString(json, "event", "eventName");
    alert.file = std::filesystem::path(MemberString(json, "input", "path")).filename().string();
    EXPECT_FALSE(alert.rule_id.empty()) << lines[i];
    EXPECT_FALSE(alert.event_id.empty()) << lines[i];
    alerts.push_back(std::move(alert));
  }
  return alerts;
}

// Compares the alerts with the expected pairs exactly (a pair alerted twice is a difference too)
// and returns a readable report, empty when they agree. With `check_file`, each alert must also
// come from the file its fixture row names.
std::string Diff(const std::map<Pair, ExpectedPair>& expected, const std::vector<Alert>& alerts,
                 bool check_file) {
  std::map<Pair, std::vector<const Alert*>> actual;
  for (const Alert& alert : alerts) {
    actual[{alert.rule_id, alert.event_id}].push_back(&alert);
  }
  std::string missing;
  std::string unexpected;
  std::string other;
  for (const auto& [pair, row] : expected) {
    if (actual.find(pair) == actual.end()) {
      missing += "  missing    " + pair.first + " " + pair.second + " (line " +
                 std::to_string(row.line) + ": " + row.reason + ")\n";
    }
  }
  for (const auto& [pair, found] : actual) {
    const auto row = expected.find(pair);
    if (row == expected.end()) {
      const Alert& alert = *found.front();
      unexpected += "  unexpected " + pair.first + " " + pair.second + " ('" + alert.rule_title +
                    "' on " + alert.event_name + (alert.file.empty() ? "" : " in " + alert.file) +
                    (found.size() > 1 ? ", " + std::to_string(found.size()) + " times" : "") +
                    ")\n";
      continue;
    }
    if (found.size() > 1) {
      other += "  duplicate  " + pair.first + " " + pair.second + " alerted " +
               std::to_string(found.size()) + " times\n";
    }
    if (check_file && found.front()->file != row->second.file) {
      other += "  wrong file " + pair.first + " " + pair.second + ": alert from '" +
               found.front()->file + "', fixture line " + std::to_string(row->second.line) +
               " says '" + row->second.file + "'\n";
    }
  }
  return missing + unexpected + other;
}

// The names of the regular files in `dir` ending in `extension`, sorted.
std::vector<std::string> FilesIn(const std::string& dir, std::string_view extension) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (files.size() >= kMaxInputFiles) {
      ADD_FAILURE() << "more than " << kMaxInputFiles << " files in " << dir;
      break;
    }
    if (entry.is_regular_file() && entry.path().extension() == extension) {
      files.push_back(entry.path().filename().string());
    }
  }
  EXPECT_FALSE(ec) << dir << ": " << ec.message();
  std::sort(files.begin(), files.end());
  return files;
}

// The `id:` of every rule file in the SigmaHQ directory (one rule per file there).
std::set<std::string> RuleIdsInDirectory() {
  std::set<std::string> ids;
  for (const std::string& name : FilesIn(kRulesDir, ".yml")) {
    const std::vector<std::string> lines = Lines(ReadFile(kRulesDir + "/" + name));
    for (size_t i = 0; i < lines.size() && i < kMaxFixtureLines; ++i) {
      if (lines[i].rfind("id: ", 0) == 0) {
        ids.insert(lines[i].substr(4));
        break;
      }
    }
  }
  return ids;
}

bool SharedDataPresent(std::string* missing) {
  for (const std::string& dir : {kRulesDir, kStratusDir, kInvictusDir}) {
    if (!std::filesystem::is_directory(dir)) {
      *missing = dir;
      return false;
    }
  }
  return true;
}

TEST(ExpectedDetections, StratusTechniquesRaiseExactlyTheReasonedAlerts) {
  std::string missing_dir;
  if (!SharedDataPresent(&missing_dir)) {
    GTEST_SKIP() << "public data missing: " << missing_dir;
  }
  // technique -> its expected pairs; a row with rule and eventID '-' expects no alert.
  std::map<std::string, std::map<Pair, ExpectedPair>> expected;
  for (const FixtureLine& row : ReadFixture(FixturePath("stratus.tsv"), 4)) {
    std::map<Pair, ExpectedPair>& technique_pairs = expected[row.fields[0]];
    if (row.fields[1] == "-" && row.fields[2] == "-") {
      continue;
    }
    const bool inserted = technique_pairs
                              .emplace(Pair{row.fields[1], row.fields[2]},
                                       ExpectedPair{"", row.fields[3], row.number})
                              .second;
    EXPECT_TRUE(inserted) << "stratus.tsv:" << row.number << ": pair listed twice";
  }
  const std::vector<std::string> files = FilesIn(kStratusDir, ".json");
  EXPECT_EQ(files.size(), 35u) << "one file per technique";
  // One replay over every log (a process per log made this test most of a minute under ASan);
  // each alert names the file its event came from. The rules are per event, so one log's
  // alerts cannot depend on another's.
  std::vector<std::string> paths;
  for (const std::string& file : files) {
    paths.push_back(kStratusDir + "/" + file);
  }
  std::map<std::string, std::vector<Alert>> alerts_by_file;
  for (Alert& alert : Replay(paths)) {
    alerts_by_file[alert.file].push_back(std::move(alert));
  }
  std::set<std::string> techniques;
  size_t pair_count = 0;
  for (const std::string& file : files) {
    const std::string technique = file.substr(0, file.size() - 5);
    techniques.insert(technique);
    SCOPED_TRACE(technique);
    const auto found = expected.find(technique);
    if (found == expected.end()) {
      ADD_FAILURE() << "stratus.tsv has no row for " << technique
                    << " (use '-' '-' when no alert is expected)";
    }
    static const std::map<Pair, ExpectedPair> kNone;
    const std::map<Pair, ExpectedPair>& want = found == expected.end() ? kNone : found->second;
    pair_count += want.size();
    const std::string diff = Diff(want, alerts_by_file[file], false);
    EXPECT_TRUE(diff.empty()) << technique << ": alerts differ from stratus.tsv\n" << diff;
  }
  for (const auto& [technique, unused] : expected) {
    EXPECT_EQ(techniques.count(technique), 1u)
        << "stratus.tsv names " << technique << ", which has no detonation log";
  }
  EXPECT_EQ(pair_count, 80u) << "the fixture was reasoned to 80 pairs";
}

std::map<Pair, ExpectedPair> InvictusExpected() {
  std::map<Pair, ExpectedPair> expected;
  for (const FixtureLine& row : ReadFixture(FixturePath("invictus.tsv"), 4)) {
    const bool inserted = expected
                              .emplace(Pair{row.fields[1], row.fields[2]},
                                       ExpectedPair{row.fields[0], row.fields[3], row.number})
                              .second;
    EXPECT_TRUE(inserted) << "invictus.tsv:" << row.number << ": pair listed twice";
  }
  return expected;
}

TEST(ExpectedDetections, InvictusTrailRaisesExactlyTheReasonedAlerts) {
  std::string missing_dir;
  if (!SharedDataPresent(&missing_dir)) {
    GTEST_SKIP() << "public data missing: " << missing_dir;
  }
  const std::map<Pair, ExpectedPair> expected = InvictusExpected();
  EXPECT_EQ(expected.size(), 109u) << "the fixture was reasoned to 109 pairs";
  const std::vector<Alert> alerts = Replay({kInvictusDir});
  const std::string diff = Diff(expected, alerts, true);
  EXPECT_TRUE(diff.empty()) << "invictus alerts differ from invictus.tsv\n" << diff;
}

TEST(ExpectedDetections, InvictusSilentRulesStaySilentAndEveryRuleIsAccountedFor) {
  std::string missing_dir;
  if (!SharedDataPresent(&missing_dir)) {
    GTEST_SKIP() << "public data missing: " << missing_dir;
  }
  std::map<std::string, ExpectedPair> silent;
  for (const FixtureLine& row : ReadFixture(FixturePath("invictus-silent.txt"), 2)) {
    EXPECT_TRUE(silent.emplace(row.fields[0], ExpectedPair{"", row.fields[1], row.number}).second)
        << "invictus-silent.txt:" << row.number << ": rule listed twice";
  }
  EXPECT_EQ(silent.size(), 46u);
  std::set<std::string> alerting;
  for (const auto& [pair, unused] : InvictusExpected()) {
    alerting.insert(pair.first);
  }
  // Every rule of the directory is either expected to alert or expected to stay silent.
  const std::set<std::string> all = RuleIdsInDirectory();
  EXPECT_EQ(all.size(), 57u);
  for (const std::string& id : all) {
    EXPECT_EQ(alerting.count(id) + silent.count(id), 1u)
        << id << " must be in exactly one of invictus.tsv and invictus-silent.txt";
  }
  for (const auto& [id, row] : silent) {
    EXPECT_EQ(all.count(id), 1u) << "invictus-silent.txt:" << row.line << ": unknown rule " << id;
  }

  std::map<std::string, size_t> loud;
  for (const Alert& alert : Replay({kInvictusDir})) {
    if (silent.count(alert.rule_id) != 0) {
      ++loud[alert.rule_id];
    }
  }
  for (const auto& [id, count] : loud) {
    const ExpectedPair& row = silent.at(id);
    ADD_FAILURE() << id << " raised " << count
                  << " alert(s) on invictus; invictus-silent.txt:" << row.line
                  << " says: " << row.reason;
  }
}

}  // namespace
}  // namespace trailhound
