// Tests for pipeline/decode_envelope.cc on hostile and broken input: each case is dead-lettered
// with its documented reason (FORMATS.md §1), never crashes, and never costs its good neighbours.
#include <sys/resource.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pipeline/codec.h"
#include "pipeline/decode.h"
#include "tests/pipeline/collecting_sink.h"

namespace trailhound::pipeline {
namespace {

using testing::At;
using testing::CollectingSink;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::SourcePosition;

constexpr std::string_view kSource = "bad.json";

std::string Rec(std::string_view id) {
  return R"({"eventVersion":"1.09","eventTime":"2025-03-14T09:26:58Z",)"
         R"("eventSource":"iam.amazonaws.com","eventName":"CreateUser","awsRegion":"us-east-1",)"
         R"("userIdentity":{"type":"Root"},"eventID":")" +
         std::string(id) + R"("})";
}

std::string Records(const std::vector<std::string>& records) {
  std::string out = R"({"Records":[)";
  for (size_t i = 0; i < records.size(); ++i) {
    out += (i == 0 ? "" : ",") + records[i];
  }
  return out + "]}";
}

CollectingSink DecodeWith(std::string_view input, const DecodeLimits& limits = {}) {
  CollectingSink sink;
  Decoder decoder(limits);
  decoder.Decode(input, SourcePosition(kSource), sink);
  return sink;
}

// Peak resident set of this process, in KiB.
long PeakRssKib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

TEST(DecodeBadInput, TruncatedJsonIsMalformed) {
  const std::string record = Rec("a");
  const CollectingSink sink = DecodeWith(record.substr(0, record.size() / 2));
  EXPECT_THAT(sink.events, IsEmpty());
  EXPECT_THAT(sink.RejectReasons(), ElementsAre("malformed-json"));
  EXPECT_EQ(sink.rejects[0].position, At(kSource, ""));
  EXPECT_EQ(sink.rejects[0].raw, record.substr(0, record.size() / 2));
}

TEST(DecodeBadInput, InvalidUtf8IsMalformedAndNamedInTheError) {
  const std::string bad = R"({"eventID":"b","eventName":"Get)"
                          "\xC3\x28"
                          R"("})";
  const CollectingSink alone = DecodeWith(bad);
  EXPECT_THAT(alone.events, IsEmpty());
  EXPECT_THAT(alone.RejectReasons(), ElementsAre("malformed-json"));
  EXPECT_THAT(alone.rejects[0].error, HasSubstr("UTF-8"));

  const CollectingSink batch = DecodeWith(Records({Rec("a"), bad, Rec("c")}));
  EXPECT_THAT(batch.EventIds(), ElementsAre("a", "c"));
  EXPECT_THAT(batch.RejectReasons(), ElementsAre("malformed-json"));
  EXPECT_EQ(batch.rejects[0].position, At(kSource, "Records[1]"));
  EXPECT_THAT(batch.rejects[0].error, HasSubstr("UTF-8"));
  EXPECT_EQ(batch.rejects[0].raw, bad);
}

TEST(DecodeBadInput, TenMegabyteEventIsTooLarge) {
  std::string big = Rec("big");
  big.insert(big.size() - 1,
             R"(,"requestParameters":{"policy":")" + std::string(10 << 20, 'A') + R"("})");
  const CollectingSink alone = DecodeWith(big);
  EXPECT_THAT(alone.events, IsEmpty());
  EXPECT_THAT(alone.RejectReasons(), ElementsAre("too-large"));
  EXPECT_EQ(alone.rejects[0].raw.size(), big.size());

  const CollectingSink batch = DecodeWith(Records({Rec("a"), big, Rec("c")}));
  EXPECT_THAT(batch.EventIds(), ElementsAre("a", "c"));
  EXPECT_THAT(batch.RejectReasons(), ElementsAre("too-large"));
  EXPECT_EQ(batch.rejects[0].position, At(kSource, "Records[1]"));

  const CollectingSink lines = DecodeWith(Rec("a") + "\n" + big + "\n" + Rec("c") + "\n");
  EXPECT_THAT(lines.EventIds(), ElementsAre("a", "c"));
  EXPECT_THAT(lines.RejectReasons(), ElementsAre("too-large"));
}

TEST(DecodeBadInput, TenThousandDeepNestingIsDepthExceededWithoutRecursion) {
  constexpr size_t kDepth = 10000;
  const std::string arrays = std::string(kDepth, '[') + std::string(kDepth, ']');
  std::string objects;
  for (size_t i = 0; i < kDepth; ++i) {
    objects += R"({"a":)";
  }
  // Appended in two steps: GCC 12 -O2 reports a false -Wrestrict for "literal" + std::string.
  objects += '1';
  objects.append(kDepth, '}');
  std::string deep_record = Rec("deep");
  std::string member = R"(,"requestParameters":)";
  member += objects;
  deep_record.insert(deep_record.size() - 1, member);

  for (const std::string* input :
       std::vector<const std::string*>{&arrays, &objects, &deep_record}) {
    SCOPED_TRACE(input->substr(0, 8));
    const CollectingSink sink = DecodeWith(*input);
    EXPECT_THAT(sink.events, IsEmpty());
    EXPECT_THAT(sink.RejectReasons(), ElementsAre("depth-exceeded"));
  }
  const CollectingSink batch = DecodeWith(Records({Rec("a"), deep_record, Rec("c")}));
  EXPECT_THAT(batch.EventIds(), ElementsAre("a", "c"));
  EXPECT_THAT(batch.RejectReasons(), ElementsAre("depth-exceeded"));
  EXPECT_EQ(batch.rejects[0].position, At(kSource, "Records[1]"));
}

TEST(DecodeBadInput, NestingWellUnderTheCapDecodes) {
  std::string nested = "1";
  for (int i = 0; i < 40; ++i) {
    nested = R"({"a":)" + nested + "}";
  }
  std::string record = Rec("nested");
  record.insert(record.size() - 1, R"(,"requestParameters":)" + nested);
  for (const std::string& input : {record, Records({record})}) {
    SCOPED_TRACE(input.substr(0, 12));
    const CollectingSink sink = DecodeWith(input);
    EXPECT_THAT(sink.EventIds(), ElementsAre("nested"));
    EXPECT_THAT(sink.rejects, IsEmpty());
  }
}

TEST(DecodeBadInput, GzipBombIsTooLargeWithoutInflatingItAll) {
  // 208 MiB of zeros as 13 concatenated gzip members (valid gzip), about 200 KiB compressed.
  const std::string member = Gzip(std::string(size_t{16} << 20, '\0'));
  std::string bomb;
  for (int i = 0; i < 13; ++i) {
    bomb += member;
  }
  ASSERT_LT(bomb.size(), size_t{1} << 20);
  DecodeLimits limits;
  limits.max_inflated_bytes = size_t{1} << 20;
  const long peak_before = PeakRssKib();
  const CollectingSink sink = DecodeWith(bomb, limits);
  const long peak_after = PeakRssKib();
  EXPECT_THAT(sink.events, IsEmpty());
  EXPECT_THAT(sink.RejectReasons(), ElementsAre("too-large"));
  EXPECT_EQ(sink.rejects[0].position, At(kSource, ""));
  // Inflating everything would add 208 MiB to the peak; the cap keeps it near 1 MiB.
  EXPECT_LT(peak_after - peak_before, 64 * 1024);
}

TEST(DecodeBadInput, CorruptGzipIsGzipError) {
  std::string corrupt = Gzip(Records({Rec("a"), Rec("b")}));
  for (size_t i = 12; i < corrupt.size() - 8; ++i) {
    corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5A);
  }
  const CollectingSink alone = DecodeWith(corrupt);
  EXPECT_THAT(alone.events, IsEmpty());
  EXPECT_THAT(alone.RejectReasons(), ElementsAre("gzip-error"));
  EXPECT_EQ(alone.rejects[0].raw, corrupt);

  const CollectingSink header_only = DecodeWith(std::string("\x1f\x8b\x08\x00garbage", 11));
  EXPECT_THAT(header_only.RejectReasons(), ElementsAre("gzip-error"));

  // In a Firehose body the corrupt record costs only itself.
  const std::string body = R"({"requestId":"r","timestamp":1,"records":[{"data":")" +
                           EncodeBase64(corrupt) + R"("},{"data":")" + EncodeBase64(Rec("ok")) +
                           R"("}]})";
  const CollectingSink firehose = DecodeWith(body);
  EXPECT_THAT(firehose.EventIds(), ElementsAre("ok"));
  EXPECT_THAT(firehose.RejectReasons(), ElementsAre("gzip-error"));
  EXPECT_EQ(firehose.rejects[0].position, At(kSource, "records[0]"));
}

TEST(DecodeBadInput, TruncatedGzipIsGzipError) {
  const std::string whole = Gzip(Records({Rec("a"), Rec("b")}));
  for (const size_t keep : {size_t{2}, size_t{10}, whole.size() / 2, whole.size() - 1}) {
    SCOPED_TRACE(keep);
    const CollectingSink sink = DecodeWith(whole.substr(0, keep));
    EXPECT_THAT(sink.events, IsEmpty());
    EXPECT_THAT(sink.RejectReasons(), ElementsAre("gzip-error"));
  }
}

TEST(DecodeBadInput, EmptyAndWhitespaceOnlyInputIsSkippedNotDeadLettered) {
  for (const std::string& input :
       {std::string(), std::string(" \n\t\r\n "), std::string("\xEF\xBB\xBF\n"), Gzip("")}) {
    SCOPED_TRACE(EncodeBase64(input));
    const CollectingSink sink = DecodeWith(input);
    EXPECT_THAT(sink.events, IsEmpty());
    EXPECT_THAT(sink.rejects, IsEmpty());
    ASSERT_EQ(sink.skips.size(), 1u);
    EXPECT_EQ(sink.skips[0].reason, SkipReason::kEmpty);
  }
}

TEST(DecodeBadInput, BinaryGarbageIsMalformed) {
  std::string garbage;
  uint32_t state = 12345;
  for (int i = 0; i < 4096; ++i) {
    state = state * 1103515245u + 12345u;
    garbage.push_back(static_cast<char>(state >> 24));
  }
  garbage[0] = '\x02';  // not a gzip magic number, not JSON
  garbage[1] = '\xFE';
  const CollectingSink sink = DecodeWith(garbage);
  EXPECT_THAT(sink.events, IsEmpty());
  EXPECT_THAT(sink.RejectReasons(), ElementsAre("malformed-json"));
  EXPECT_EQ(sink.rejects[0].raw, garbage);
}

TEST(DecodeBadInput, PlainTextIsOneMalformedDeadLetter) {
  const CollectingSink sink = DecodeWith("this is not json at all");
  EXPECT_THAT(sink.events, IsEmpty());
  EXPECT_THAT(sink.RejectReasons(), ElementsAre("malformed-json"));
  EXPECT_EQ(sink.rejects[0].position, At(kSource, ""));
  EXPECT_EQ(sink.rejects[0].raw, "this is not json at all");
}

TEST(DecodeBadInput, TopLevelScalarIsNotCloudTrail) {
  for (const std::string_view input : {"42", R"("a string")", "true", "null", "-1.5e3"}) {
    SCOPED_TRACE(input);
    const CollectingSink sink = DecodeWith(input);
    EXPECT_THAT(sink.events, IsEmpty());
    EXPECT_THAT(sink.RejectReasons(), ElementsAre("not-cloudtrail"));
  }
}

TEST(DecodeBadInput, ContainerCutRightAfterItsKeyIsOneDeadLetter) {
  // Found by fuzz_decode: the scanner's member value began at the end of the input.
  for (const std::string input : {R"({"Records":)", R"({"Records": )", R"({"logEvents":)"}) {
    SCOPED_TRACE(input);
    const CollectingSink sink = DecodeWith(input);
    EXPECT_TRUE(sink.events.empty());
    EXPECT_THAT(sink.RejectReasons(), ElementsAre("malformed-json"));
  }
}

TEST(DecodeBadInput, NdjsonWithABrokenFirstLineKeepsTheOtherLines) {
  // The first line cannot mark the input as NDJSON, so the good lines after it must.
  const std::string broken = R"({"eventID":"a","eventName":"x)";
  const std::string input = broken + "\n" + Rec("b") + "\n" + Rec("c") + "\n";
  const CollectingSink sink = DecodeWith(input);
  EXPECT_THAT(sink.EventIds(), ElementsAre("b", "c"));
  EXPECT_THAT(sink.RejectReasons(), ElementsAre("malformed-json"));
  EXPECT_EQ(sink.rejects[0].position, std::string(kSource) + " @0 line 1");
}

TEST(DecodeBadInput, PrettyPrintedRecordsWithABrokenRecordKeepTheOthers) {
  // A pretty-printed batch is one document, not NDJSON, even though it spans lines.
  const std::string input = "{\n  \"Records\": [\n    " + Rec("a") +
                            ",\n    {\"eventID\": tru},\n    " + Rec("c") + "\n  ]\n}\n";
  const CollectingSink sink = DecodeWith(input);
  EXPECT_THAT(sink.EventIds(), ElementsAre("a", "c"));
  EXPECT_THAT(sink.RejectReasons(), ElementsAre("malformed-json"));
}

TEST(DecodeBadInput, NdjsonWithOneBrokenMiddleLineKeepsTheOtherLines) {
  const std::string a = Rec("a");
  const std::string broken = R"({"eventID":"b","eventName":)";
  const std::string input = a + "\n" + broken + "\n" + Rec("c") + "\n" + "{}\n" + Rec("e") + "\n";
  const CollectingSink sink = DecodeWith(input);
  EXPECT_THAT(sink.EventIds(), ElementsAre("a", "c", "e"));
  EXPECT_THAT(sink.RejectReasons(), ElementsAre("malformed-json", "not-cloudtrail"));
  EXPECT_EQ(sink.rejects[0].position,
            std::string(kSource) + " @" + std::to_string(a.size() + 1) + " line 2");
  EXPECT_EQ(sink.rejects[0].raw, broken);
}

TEST(DecodeBadInput, RecordsFileTruncatedMidRecordKeepsEarlierRecords) {
  const std::string whole = Records({Rec("a"), Rec("b"), Rec("c")});
  const std::string cut = whole.substr(0, whole.find(R"("eventID":"c")"));
  for (const bool gzip : {false, true}) {
    SCOPED_TRACE(gzip ? "gzip" : "plain");
    const CollectingSink sink = DecodeWith(gzip ? Gzip(cut) : cut);
    EXPECT_THAT(sink.EventIds(), ElementsAre("a", "b"));
    EXPECT_THAT(sink.RejectReasons(), ElementsAre("malformed-json"));
    EXPECT_EQ(sink.rejects[0].position, At(kSource, gzip ? "gzip > Records[2]" : "Records[2]"));
    EXPECT_THAT(sink.rejects[0].raw, ::testing::StartsWith(R"({"eventVersion")"));
  }
}

TEST(DecodeBadInput, InvalidBase64InFirehoseRecordCostsOnlyItself) {
  const std::string body = R"({"requestId":"r","timestamp":1,"records":[{"data":"!!not base64"},)"
                           R"({"data":")" +
                           EncodeBase64(Rec("ok")) + R"("},{"nodata":1}]})";
  const CollectingSink sink = DecodeWith(body);
  EXPECT_THAT(sink.EventIds(), ElementsAre("ok"));
  EXPECT_THAT(sink.RejectReasons(), ElementsAre("malformed-json", "malformed-json"));
  EXPECT_EQ(sink.rejects[0].position, At(kSource, "records[0]"));
  EXPECT_EQ(sink.rejects[1].position, At(kSource, "records[2]"));
}

}  // namespace
}  // namespace trailhound::pipeline
