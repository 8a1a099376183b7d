// tests/config/secret_ref_test.cc: ${env:NAME}, ${file:PATH} and $${ in configuration strings,
// and that failures name the reference, never a value.
#include "config/secret_ref.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace trailhound::config {
namespace {

using ::testing::HasSubstr;

TEST(ConfigSecretRef, PlainTextIsNotASecret) {
  const base::Result<ResolvedString> resolved = ResolveSecretRefs("plain $text {x}", "");
  ASSERT_TRUE(resolved.has_value());
  EXPECT_EQ(resolved->value, "plain $text {x}");
  EXPECT_FALSE(resolved->secret);
}

TEST(ConfigSecretRef, EnvAndFileReferencesAreResolved) {
  setenv("TH_SECRET_REF_TEST", "tok", 1);
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "th-secret-ref";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "key") << "file-secret\n";
  const base::Result<ResolvedString> resolved =
      ResolveSecretRefs("a=${env:TH_SECRET_REF_TEST};b=${file:key};c=$${env:X}", dir.string());
  ASSERT_TRUE(resolved.has_value()) << resolved.error().ToString();
  EXPECT_EQ(resolved->value, "a=tok;b=file-secret;c=${env:X}");
  EXPECT_TRUE(resolved->secret);
  std::filesystem::remove_all(dir);
  unsetenv("TH_SECRET_REF_TEST");
}

TEST(ConfigSecretRef, FailuresNameTheReference) {
  unsetenv("TH_SECRET_REF_UNSET");
  struct Row {
    const char* text;
    base::StatusCode code;
    const char* message;
  };
  const Row rows[] = {
      {"${env:TH_SECRET_REF_UNSET}", base::StatusCode::kNotFound,
       "'TH_SECRET_REF_UNSET' is not set"},
      {"${env:1BAD}", base::StatusCode::kInvalidInput, "not an environment variable name"},
      {"${file:/nonexistent/secret}", base::StatusCode::kNotFound, "'/nonexistent/secret'"},
      {"${file:}", base::StatusCode::kInvalidInput, "needs a path"},
      {"${vault:x}", base::StatusCode::kInvalidInput, "'${vault:...}' is not a reference"},
      {"abc ${env:X", base::StatusCode::kInvalidInput, "never closed"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.text);
    const base::Result<ResolvedString> resolved = ResolveSecretRefs(row.text, "/tmp");
    ASSERT_FALSE(resolved.has_value());
    EXPECT_EQ(resolved.error().code(), row.code);
    EXPECT_THAT(std::string(resolved.error().message()), HasSubstr(row.message));
  }
}

TEST(ConfigSecretRef, OversizedSecretFileIsRefused) {
  const std::string path = (std::filesystem::temp_directory_path() / "th-secret-ref-big").string();
  std::ofstream(path) << std::string(kMaxSecretFileBytes + 1, 'x');
  const base::Result<ResolvedString> resolved = ResolveSecretRefs("${file:" + path + "}", "");
  ASSERT_FALSE(resolved.has_value());
  EXPECT_THAT(std::string(resolved.error().message()), HasSubstr("larger than 65536 bytes"));
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace trailhound::config
