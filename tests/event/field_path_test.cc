// tests/event/field_path_test.cc: dotted field paths over a record's DOM, one test per rule of
// SIGMA.md §6 (field lookup), plus the visitors' early stop and the hot-field mapping.
#include "pipeline/event/field_path.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "pipeline/event/event.h"
#include "pipeline/event/hot_field.h"

namespace trailhound::event {
namespace {

using Texts = std::vector<std::string>;

// A parsed JSON text that stays alive for the test's lifetime.
class Json {
 public:
  explicit Json(std::string_view text) {
    simdjson::dom::parser parser;
    const simdjson::error_code error = ParsedJson::Parse(parser, text, document_);
    EXPECT_EQ(error, simdjson::SUCCESS) << text;
  }
  simdjson::dom::element root() const { return document_->root(); }

 private:
  std::shared_ptr<const ParsedJson> document_;
};

// Each value VisitReached yields, as minified JSON.
Texts Reached(std::string_view json, std::string_view path) {
  const Json doc(json);
  Texts out;
  const bool stopped =
      VisitReached(doc.root(), FieldPath::Compile(path), [&out](simdjson::dom::element value) {
        out.push_back(simdjson::minify(value));
        return false;
      });
  EXPECT_FALSE(stopped);
  return out;
}

// The field's value set (VisitValues), as minified JSON.
Texts Values(std::string_view json, std::string_view path) {
  const Json doc(json);
  Texts out;
  const bool stopped =
      VisitValues(doc.root(), FieldPath::Compile(path), [&out](simdjson::dom::element value) {
        out.push_back(simdjson::minify(value));
        return false;
      });
  EXPECT_FALSE(stopped);
  return out;
}

FieldPresence Classify(std::string_view json, std::string_view path) {
  const Json doc(json);
  return ClassifyField(doc.root(), FieldPath::Compile(path));
}

struct LookupRow {
  std::string_view name;
  std::string_view json;
  std::string_view path;
  Texts want_reached;
};

void ExpectReached(const LookupRow& row) {
  SCOPED_TRACE(row.name);
  EXPECT_EQ(Reached(row.json, row.path), row.want_reached) << row.json << " @ " << row.path;
}

TEST(FieldPathCompile, SplitsOnDotsAndKeepsEmptySegments) {
  const FieldPath path = FieldPath::Compile("userIdentity.sessionContext.sessionIssuer.arn");
  EXPECT_EQ(path.text(), "userIdentity.sessionContext.sessionIssuer.arn");
  ASSERT_EQ(path.size(), 4u);
  EXPECT_EQ(path.segment(0), "userIdentity");
  EXPECT_EQ(path.segment(3), "arn");
  EXPECT_EQ(path.Joined(0, 2), "userIdentity.sessionContext");
  EXPECT_EQ(path.Joined(1, 3), "sessionContext.sessionIssuer.arn");
  EXPECT_EQ(path.Joined(2, 1), "sessionIssuer");

  const FieldPath empty_segment = FieldPath::Compile("a..b");
  ASSERT_EQ(empty_segment.size(), 3u);
  EXPECT_EQ(empty_segment.segment(1), "");
  EXPECT_EQ(Reached(R"({"a":{"":{"b":1}}})", "a..b"), Texts{"1"});
}

TEST(FieldLookup, NamesAreCaseSensitiveJsonKeys) {
  const LookupRow rows[] = {
      {"exact case", R"({"eventName":"GetObject"})", "eventName", {R"("GetObject")"}},
      {"lower-case path", R"({"eventName":"GetObject"})", "eventname", {}},
      {"upper-case key", R"({"EVENTNAME":"GetObject"})", "eventName", {}},
      {"nested segment case", R"({"userIdentity":{"ARN":"x"}})", "userIdentity.arn", {}},
  };
  for (const LookupRow& row : rows) {
    ExpectReached(row);
  }
  EXPECT_EQ(Classify(R"({"eventName":"GetObject"})", "eventname"), FieldPresence::kMissing);
}

TEST(FieldLookup, LiteralDottedKeyIsTakenLongestFirst) {
  const LookupRow rows[] = {
      {"literal dotted key answers the path", R"({"a.b":1})", "a.b", {"1"}},
      {"literal key wins over the nested path (literal first)",
       R"({"a.b":1,"a":{"b":2}})",
       "a.b",
       {"1"}},
      {"literal key wins over the nested path (literal last)",
       R"({"a":{"b":2},"a.b":1})",
       "a.b",
       {"1"}},
      {"longest of several literal prefixes",
       R"({"a":{"b":{"c":5}},"a.b":{"c":3},"a.b.c":4})",
       "a.b.c",
       {"4"}},
      {"a literal prefix beats the first segment",
       R"({"a":{"b":{"c":5}},"a.b":{"c":3}})",
       "a.b.c",
       {"3"}},
      {"only one key is followed per object", R"({"a":{"b":{"c":5}},"a.b":{"x":3}})", "a.b.c", {}},
      {"literal key below the root",
       R"({"requestParameters":{"x.y":"v","x":{"y":"nested"}}})",
       "requestParameters.x.y",
       {R"("v")"}},
      {"a key that merely starts with the segment is not a prefix",
       R"({"a.bc":1,"a":{"b":2}})",
       "a.b",
       {"2"}},
      {"a longer literal key than the path is not taken",
       R"({"a.b.c":1,"a":{"b":2}})",
       "a.b",
       {"2"}},
      {"first segment when no literal key exists", R"({"a":{"b":2}})", "a.b", {"2"}},
  };
  for (const LookupRow& row : rows) {
    ExpectReached(row);
  }
}

TEST(FieldLookup, ArraysOnThePathAreDescendedIntoEveryElement) {
  const LookupRow rows[] = {
      {"every element of resources",
       R"({"resources":[{"ARN":"arn:1"},{"ARN":"arn:2"},{"type":"AWS::S3::Bucket"}]})",
       "resources.ARN",
       {R"("arn:1")", R"("arn:2")"}},
      {"nested arrays", R"({"a":[[{"b":1}],[{"b":2},[{"b":3}]]]})", "a.b", {"1", "2", "3"}},
      {"array inside an array element (SIGMA checklist 15)",
       R"({"requestParameters":{"containerDefinitions":[{"command":["sh","-c","env"]},)"
       R"({"command":["true"]}]}})",
       "requestParameters.containerDefinitions.command",
       {R"(["sh","-c","env"])", R"(["true"])"}},
      {"scalars inside the array reach nothing", R"({"a":[1,"x",null,{"b":4}]})", "a.b", {"4"}},
      {"an array at the end is reached as it is", R"({"a":[1,[2]]})", "a", {"[1,[2]]"}},
  };
  for (const LookupRow& row : rows) {
    ExpectReached(row);
  }
}

TEST(FieldLookup, ScalarMetBeforeThePathEndsReachesNothing) {
  const LookupRow rows[] = {
      {"string", R"({"a":"text"})", "a.b", {}},   {"number", R"({"a":5})", "a.b.c", {}},
      {"boolean", R"({"a":true})", "a.b", {}},    {"json null", R"({"a":null})", "a.b", {}},
      {"empty object", R"({"a":{}})", "a.b", {}},
  };
  for (const LookupRow& row : rows) {
    ExpectReached(row);
    EXPECT_EQ(Classify(row.json, row.path), FieldPresence::kMissing) << row.name;
  }
}

TEST(FieldLookup, JsonNullIsReachedAndClassifiedNull) {
  struct Row {
    std::string_view name;
    std::string_view json;
    std::string_view path;
  };
  const Row rows[] = {
      {"top-level null", R"({"errorCode":null})", "errorCode"},
      {"nested null", R"({"a":{"b":null}})", "a.b"},
      {"null in every element", R"({"a":[{"b":null},{"b":null}]})", "a.b"},
      {"array of nulls", R"({"a":[null,[null]]})", "a"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_FALSE(Reached(row.json, row.path).empty());
    EXPECT_EQ(Classify(row.json, row.path), FieldPresence::kNull);
  }
  EXPECT_EQ(Reached(R"({"errorCode":null})", "errorCode"), Texts{"null"});
}

TEST(FieldLookup, NothingReachedIsClassifiedMissing) {
  struct Row {
    std::string_view name;
    std::string_view json;
    std::string_view path;
  };
  const Row rows[] = {
      {"empty record", "{}", "errorCode"},
      {"sibling only", R"({"errorMessage":"x"})", "errorCode"},
      {"empty array on the way", R"({"a":[]})", "a.b"},
      {"elements without the key", R"({"a":[{"c":1},{"d":2}]})", "a.b"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_TRUE(Reached(row.json, row.path).empty());
    EXPECT_EQ(Classify(row.json, row.path), FieldPresence::kMissing);
  }
}

TEST(FieldLookup, EmptyArrayIsReachedButItsValueSetIsEmptySoNull) {
  struct Row {
    std::string_view name;
    std::string_view json;
    std::string_view path;
  };
  const Row rows[] = {
      {"empty array (SIGMA checklist 38)", R"({"a":{"b":[]}})", "a.b"},
      {"nested empty arrays", R"({"a":[[],[[]]]})", "a"},
      {"empty arrays and nulls", R"({"a":[[],null]})", "a"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(Reached(row.json, row.path).size(), 1u);
    EXPECT_EQ(Classify(row.json, row.path), FieldPresence::kNull);
  }
  EXPECT_TRUE(Values(R"({"a":{"b":[]}})", "a.b").empty());
}

TEST(FieldLookup, ObjectsArraysAndFalsyScalarsArePresent) {
  struct Row {
    std::string_view name;
    std::string_view json;
    std::string_view path;
  };
  const Row rows[] = {
      {"empty object is never null (SIGMA checklist 38)", R"({"a":{"b":{}}})", "a.b"},
      {"empty string", R"({"errorCode":""})", "errorCode"},
      {"false", R"({"readOnly":false})", "readOnly"},
      {"zero", R"({"n":0})", "n"},
      {"a value beside a null", R"({"a":[null,1]})", "a"},
      {"a value in one element", R"({"a":[{"b":null},{"b":"x"}]})", "a.b"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(Classify(row.json, row.path), FieldPresence::kPresent);
  }
}

TEST(FieldLookup, VisitValuesFlattensNestedArrays) {
  constexpr std::string_view kJson = R"({"a":[1,[2,[3,[]]],null,{"k":[4]}]})";
  EXPECT_EQ(Reached(kJson, "a"), Texts{R"([1,[2,[3,[]]],null,{"k":[4]}])"});
  EXPECT_EQ(Values(kJson, "a"), (Texts{"1", "2", "3", "null", R"({"k":[4]})"}));
  // Values reached through several elements are flattened one after another.
  EXPECT_EQ(Values(R"({"r":[{"v":["x","y"]},{"v":"z"},{"v":[["w"]]}]})", "r.v"),
            (Texts{R"("x")", R"("y")", R"("z")", R"("w")"}));
}

TEST(VisitScalarLeaves, YieldsEveryNonNullScalarButNoKeys) {
  const Json doc(R"({"VersioningConfiguration":{"Status":"Suspended","MfaDelete":null},)"
                 R"("n":[1,{"deep":true},[2.5,null]],"empty":{},"list":[]})");
  Texts leaves;
  const bool stopped = VisitScalarLeaves(doc.root(), [&leaves](simdjson::dom::element value) {
    leaves.push_back(simdjson::minify(value));
    return false;
  });
  EXPECT_FALSE(stopped);
  EXPECT_EQ(leaves, (Texts{R"("Suspended")", "1", "true", "2.5"}));

  const Json scalar(R"({"s":"self"})");
  simdjson::dom::element s = scalar.root().at_key("s").value();
  Texts self;
  VisitScalarLeaves(s, [&self](simdjson::dom::element value) {
    self.push_back(simdjson::minify(value));
    return false;
  });
  EXPECT_EQ(self, Texts{R"("self")"});

  const Json null_value(R"({"s":null})");
  int calls = 0;
  VisitScalarLeaves(null_value.root().at_key("s").value(), [&calls](simdjson::dom::element) {
    ++calls;
    return false;
  });
  EXPECT_EQ(calls, 0);
}

TEST(FieldVisitors, StopAtTheFirstVisitThatReturnsTrue) {
  const Json doc(R"({"resources":[{"ARN":"a"},{"ARN":["b","c"]},{"ARN":"d"}]})");
  const FieldPath path = FieldPath::Compile("resources.ARN");

  Texts reached;
  EXPECT_TRUE(VisitReached(doc.root(), path, [&reached](simdjson::dom::element value) {
    reached.push_back(simdjson::minify(value));
    return reached.size() == 2;
  }));
  EXPECT_EQ(reached, (Texts{R"("a")", R"(["b","c"])"}));

  Texts values;
  EXPECT_TRUE(VisitValues(doc.root(), path, [&values](simdjson::dom::element value) {
    values.push_back(simdjson::minify(value));
    return values.size() == 2;
  }));
  EXPECT_EQ(values, (Texts{R"("a")", R"("b")"}));

  Texts leaves;
  EXPECT_TRUE(VisitScalarLeaves(doc.root(), [&leaves](simdjson::dom::element value) {
    leaves.push_back(simdjson::minify(value));
    return leaves.size() == 3;
  }));
  EXPECT_EQ(leaves, (Texts{R"("a")", R"("b")", R"("c")"}));
}

TEST(FieldPathHotField, NamesTheHotFieldItMatchesExactly) {
  struct Row {
    std::string_view path;
    HotField want;
  };
  const Row rows[] = {
      {"eventName", HotField::kEventName},
      {"eventSource", HotField::kEventSource},
      {"eventTime", HotField::kEventTime},
      {"userIdentity.arn", HotField::kUserArn},
      {"userIdentity.accessKeyId", HotField::kAccessKeyId},
      {"userIdentity.sessionContext.sessionIssuer.arn", HotField::kSessionIssuerArn},
      {"sourceIPAddress", HotField::kSourceIpAddress},
      {"eventname", HotField::kNone},
      {"userIdentity", HotField::kNone},
      {"userIdentity.arn.x", HotField::kNone},
      {"requestParameters.bucketName", HotField::kNone},
      {"", HotField::kNone},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.path);
    EXPECT_EQ(FieldPath::Compile(row.path).hot_field(), row.want);
  }
}

TEST(FieldPathHotField, EveryHotFieldPathMapsBackToItsField) {
  for (size_t i = 0; i < kHotFieldCount; ++i) {
    const HotField field = static_cast<HotField>(i);
    const std::string_view path = HotFieldPath(field);
    SCOPED_TRACE(path);
    EXPECT_FALSE(path.empty());
    EXPECT_EQ(HotFieldByPath(path), field);
    EXPECT_EQ(FieldPath::Compile(path).hot_field(), field);
  }
  EXPECT_EQ(HotFieldPath(HotField::kNone), "");
}

}  // namespace
}  // namespace trailhound::event
