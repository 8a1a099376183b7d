// tests/rules/diagnostics_test.cc: the diagnostic line format tools and people rely on.
#include "rules/diagnostics.h"

#include <gtest/gtest.h>

namespace trailhound::rules {
namespace {

TEST(Diagnostics, FormatsFileLineColumnSeverityCodeMessageAndRule) {
  Diagnostics diagnostics;
  diagnostics.Error(SourceLocation{"rules/x.yml", 14, 7}, "unknown-modifier",
                    "'containz' is not a Sigma modifier");
  diagnostics.Warning(SourceLocation{"rules/x.yml", 3, 1}, "metadata", "level 'urgent' is unknown");
  diagnostics.SetRuleTitle(0, "AWS Root Credentials");
  ASSERT_EQ(diagnostics.size(), 2u);
  EXPECT_EQ(diagnostics.items()[0].ToString(),
            "rules/x.yml:14:7: error[unknown-modifier]: 'containz' is not a Sigma modifier "
            "(rule 'AWS Root Credentials')");
  EXPECT_EQ(diagnostics.items()[1].ToString(),
            "rules/x.yml:3:1: warning[metadata]: level 'urgent' is unknown "
            "(rule 'AWS Root Credentials')");
  EXPECT_TRUE(diagnostics.has_errors());
  EXPECT_TRUE(diagnostics.Has("metadata"));
  EXPECT_FALSE(diagnostics.Has("bad-regex"));
}

TEST(Diagnostics, WarningsAloneAreNotErrorsAndUnknownPositionsAreLeftOut) {
  Diagnostics diagnostics;
  diagnostics.Warning(SourceLocation{"r.yml", 0, 0}, "unindexed-rule", "runs for every event");
  EXPECT_FALSE(diagnostics.has_errors());
  EXPECT_EQ(diagnostics.items()[0].ToString(),
            "r.yml: warning[unindexed-rule]: runs for every event");
}

TEST(Diagnostics, TitleIsOnlySetWhereMissingAndFromTheGivenIndex) {
  Diagnostics diagnostics;
  diagnostics.Error(SourceLocation{"a.yml", 1, 1}, "yaml-syntax", "bad");
  diagnostics.SetRuleTitle(0, "first");
  diagnostics.Error(SourceLocation{"a.yml", 9, 1}, "missing-key", "no id");
  diagnostics.SetRuleTitle(0, "second");
  EXPECT_EQ(diagnostics.items()[0].rule_title, "first");
  EXPECT_EQ(diagnostics.items()[1].rule_title, "second");
}

TEST(SourceLocation, YamlPositionsBecomeOneBasedAndShiftAlongTheLine) {
  const SourceLocation location = SourceLocation::FromYaml("r.yml", 0, 4);
  EXPECT_EQ(location.line, 1);
  EXPECT_EQ(location.column, 5);
  EXPECT_EQ(location.Shifted(3).column, 8);
  EXPECT_EQ(SourceLocation{}.Shifted(3).column, 0) << "an unknown column stays unknown";
}

TEST(Quote, CutsLongTextAtACharacterBoundaryAndSaysHowLong) {
  EXPECT_EQ(Quote("containz"), "'containz'");
  EXPECT_EQ(Quote(std::string(200, 'a')), "'" + std::string(200, 'a') + "'");
  EXPECT_EQ(Quote(std::string(1 << 20, 'a')), "'" + std::string(200, 'a') + "...' (1048576 bytes)");
  // 199 ASCII bytes then a two-byte character straddling the cut: the character is left out.
  const std::string text = std::string(199, 'a') + "\xC3\xA4" + std::string(10, 'b');
  EXPECT_EQ(Quote(text), "'" + std::string(199, 'a') + "...' (211 bytes)");
}

}  // namespace
}  // namespace trailhound::rules
