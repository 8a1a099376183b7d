// Tests for pipeline/codec.cc: gunzip with an output cap, and strict base64.
#include "pipeline/codec.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace trailhound::pipeline {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr size_t kNoCap = size_t{1} << 30;

// Bytes that do not compress much, so outputs span several 64 KiB inflate chunks.
std::string Noise(size_t size, uint32_t seed) {
  std::string out;
  out.reserve(size);
  for (size_t i = 0; i < size; ++i) {
    seed = seed * 1103515245u + 12345u;
    out.push_back(static_cast<char>(seed >> 24));
  }
  return out;
}

TEST(IsGzip, RecognisesTheMagicNumberOnly) {
  EXPECT_TRUE(IsGzip(Gzip("x")));
  EXPECT_TRUE(IsGzip(std::string_view("\x1f\x8b", 2)));
  EXPECT_FALSE(IsGzip(std::string_view("\x1f", 1)));
  EXPECT_FALSE(IsGzip(""));
  EXPECT_FALSE(IsGzip("{\"Records\":[]}"));
  EXPECT_FALSE(IsGzip(std::string_view("\x8b\x1f", 2)));
}

TEST(Gunzip, RoundTripsWhatGzipCompressed) {
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"empty", ""},
      {"short text", R"({"Records":[{"eventID":"a"}]})"},
      {"binary with NUL bytes", std::string("\0\x1f\x8b\xff\0", 5)},
      {"several inflate chunks", Noise(300 * 1024, 7)},
      {"highly compressible", std::string(5 << 20, 'a')},
  };
  for (const auto& [name, plain] : rows) {
    SCOPED_TRACE(name);
    std::string out = "stale";
    std::string error;
    ASSERT_EQ(Gunzip(Gzip(plain), kNoCap, out, error), InflateError::kNone) << error;
    EXPECT_EQ(out, plain);
  }
}

TEST(Gunzip, ConcatenatedMembersAreInflatedInOrder) {
  const std::string first = R"({"Records":[{"eventID":"a"}]})";
  const std::string second = Noise(100 * 1024, 3);
  const std::string third = "\n";
  std::string out;
  std::string error;
  ASSERT_EQ(Gunzip(Gzip(first) + Gzip(second) + Gzip(third), kNoCap, out, error),
            InflateError::kNone)
      << error;
  EXPECT_EQ(out, first + second + third);
  ASSERT_EQ(Gunzip(Gzip("") + Gzip("x"), kNoCap, out, error), InflateError::kNone) << error;
  EXPECT_EQ(out, "x");
}

TEST(Gunzip, OutputCapIsEnforcedAtTheExactSize) {
  const std::string plain = Noise(200 * 1024 + 17, 11);
  const std::string gz = Gzip(plain);
  std::string out;
  std::string error;
  EXPECT_EQ(Gunzip(gz, plain.size(), out, error), InflateError::kNone) << error;
  EXPECT_EQ(out, plain);

  EXPECT_EQ(Gunzip(gz, plain.size() - 1, out, error), InflateError::kTooLarge);
  EXPECT_LE(out.size(), plain.size() - 1);
  EXPECT_THAT(error, HasSubstr(std::to_string(plain.size() - 1)));

  // The cap covers all members together, not each one.
  EXPECT_EQ(Gunzip(Gzip("abc") + Gzip("def"), 5, out, error), InflateError::kTooLarge);
  EXPECT_EQ(Gunzip(Gzip("abc") + Gzip("def"), 6, out, error), InflateError::kNone);
  EXPECT_EQ(out, "abcdef");
  EXPECT_EQ(Gunzip(Gzip("a"), 0, out, error), InflateError::kTooLarge);
}

TEST(Gunzip, BombStopsAtTheCapWithoutAllocatingTheWhole) {
  const std::string bomb = Gzip(std::string(size_t{64} << 20, '\0'));
  ASSERT_LT(bomb.size(), size_t{1} << 20);
  constexpr size_t kCap = size_t{1} << 20;
  std::string out;
  std::string error;
  EXPECT_EQ(Gunzip(bomb, kCap, out, error), InflateError::kTooLarge);
  EXPECT_LE(out.size(), kCap);
  // Growth is geometric, so the buffer stays within a small multiple of the cap.
  EXPECT_LE(out.capacity(), 2 * kCap + (64 << 10));
}

TEST(Gunzip, CorruptOrTruncatedDataIsAnError) {
  const std::string good = Gzip(Noise(100 * 1024, 5));
  std::string bad_crc = good;
  bad_crc[bad_crc.size() - 6] = static_cast<char>(bad_crc[bad_crc.size() - 6] ^ 1);
  std::string bad_body = good;
  for (size_t i = 20; i < 60; ++i) {
    bad_body[i] = static_cast<char>(~bad_body[i]);
  }
  std::string bad_method = good;
  bad_method[2] = 0x07;  // compression method other than deflate
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"empty input", ""},
      {"magic number only", std::string("\x1f\x8b", 2)},
      {"header then garbage", std::string("\x1f\x8b\x08\x00garbage-garbage", 19)},
      {"not gzip at all", "plain text"},
      {"bad CRC", bad_crc},
      {"corrupt deflate data", bad_body},
      {"unknown compression method", bad_method},
      {"truncated in the header", good.substr(0, 5)},
      {"truncated in the data", good.substr(0, good.size() / 2)},
      {"truncated in the trailer", good.substr(0, good.size() - 3)},
      {"second member truncated", good + good.substr(0, good.size() / 2)},
  };
  for (const auto& [name, input] : rows) {
    SCOPED_TRACE(name);
    std::string out;
    std::string error;
    EXPECT_EQ(Gunzip(input, kNoCap, out, error), InflateError::kCorrupt);
    EXPECT_FALSE(error.empty());
  }
  std::string out;
  std::string error;
  EXPECT_EQ(Gunzip(good.substr(0, good.size() / 2), kNoCap, out, error), InflateError::kCorrupt);
  EXPECT_THAT(error, HasSubstr("truncated"));
}

TEST(Base64, KnownVectorsFromRfc4648) {
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : rows) {
    SCOPED_TRACE(plain);
    EXPECT_EQ(EncodeBase64(plain), encoded);
    std::string out = "stale";
    ASSERT_TRUE(DecodeBase64(encoded, out));
    EXPECT_EQ(out, plain);
  }
}

TEST(Base64, RoundTripsEveryLengthFromZeroToTen) {
  for (size_t length = 0; length <= 10; ++length) {
    SCOPED_TRACE(length);
    std::string plain;
    for (size_t i = 0; i < length; ++i) {
      plain.push_back(static_cast<char>(0xFF - i * 37));  // high bytes and NUL included
    }
    const std::string encoded = EncodeBase64(plain);
    EXPECT_EQ(encoded.size(), (length + 2) / 3 * 4);
    std::string out;
    ASSERT_TRUE(DecodeBase64(encoded, out));
    EXPECT_EQ(out, plain);
  }
  std::string all;
  for (int c = 0; c < 256; ++c) {
    all.push_back(static_cast<char>(c));
  }
  std::string out;
  ASSERT_TRUE(DecodeBase64(EncodeBase64(all), out));
  EXPECT_EQ(out, all);
}

TEST(Base64, InvalidCharactersAndBadPaddingAreRejected) {
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"length not a multiple of four", "Zm9vY"},
      {"missing padding", "Zm8"},
      {"URL-safe minus", "Zm9-"},
      {"URL-safe underscore", "Zm9_"},
      {"asterisk", "Zm9*"},
      {"non-ASCII byte", "Zm9\xC3"},
      {"NUL byte", std::string("Zm9\0", 4)},
      {"newline", "Zm9v\nZm9v"},
      {"trailing newline", "Zm9v\n"},
      {"space inside", "Zm 9v"},
      {"three padding characters", "Z==="},
      {"four padding characters", "===="},
      {"padding in the middle of the last quartet", "Zm=v"},
      {"padding in an earlier quartet", "Zg==Zm9v"},
      {"data after padding", "Zg=A"},
  };
  for (const auto& [name, text] : rows) {
    SCOPED_TRACE(name);
    std::string out;
    EXPECT_FALSE(DecodeBase64(text, out));
  }
  std::string out = "stale";
  ASSERT_TRUE(DecodeBase64("", out));
  EXPECT_THAT(out, IsEmpty());
}

}  // namespace
}  // namespace trailhound::pipeline
