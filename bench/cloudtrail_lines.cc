// bench/cloudtrail_lines.cc: the record template and its variety. Shaped like real management
// events (userIdentity with sessionContext, tlsDetails, requestParameters of a few hundred
// bytes), so decode and the store see the sizes they see in production.
#include "bench/cloudtrail_lines.h"

#include <cstdio>

namespace trailhound::bench {
namespace {

struct Call {
  const char* source;
  const char* name;
  bool read_only;
};

// Common calls of a busy organisation; none of them is one the bench rule alerts on.
constexpr Call kCalls[] = {
    {"ec2.amazonaws.com", "DescribeInstances", true},
    {"ec2.amazonaws.com", "DescribeSecurityGroups", true},
    {"ec2.amazonaws.com", "DescribeVolumes", true},
    {"s3.amazonaws.com", "GetBucketAcl", true},
    {"s3.amazonaws.com", "ListBuckets", true},
    {"s3.amazonaws.com", "GetBucketLocation", true},
    {"sts.amazonaws.com", "AssumeRole", true},
    {"sts.amazonaws.com", "GetCallerIdentity", true},
    {"iam.amazonaws.com", "ListRoles", true},
    {"iam.amazonaws.com", "GetRole", true},
    {"kms.amazonaws.com", "Decrypt", true},
    {"kms.amazonaws.com", "GenerateDataKey", true},
    {"lambda.amazonaws.com", "ListFunctions20150331", true},
    {"logs.amazonaws.com", "CreateLogStream", false},
    {"ssm.amazonaws.com", "GetParameter", true},
    {"dynamodb.amazonaws.com", "DescribeTable", true},
    {"ecr.amazonaws.com", "GetAuthorizationToken", true},
    {"autoscaling.amazonaws.com", "DescribeAutoScalingGroups", true},
    {"ec2.amazonaws.com", "CreateTags", false},
    {"monitoring.amazonaws.com", "PutMetricData", false},
};
constexpr const char* kTamper[] = {"StopLogging", "DeleteTrail"};
constexpr const char* kUsers[] = {"alice", "bob",  "carol", "dave",    "erin",  "frank", "grace",
                                  "heidi", "ivan", "judy",  "mallory", "oscar", "peggy", "trent"};
constexpr const char* kRoles[] = {"ci-deploy",     "eks-node",  "lambda-exec",
                                  "data-pipeline", "admin-sso", "readonly-audit"};
constexpr const char* kRegions[] = {"us-east-1",    "us-west-2",      "eu-west-1",
                                    "eu-central-1", "ap-southeast-2", "ap-northeast-1"};
constexpr const char* kAgents[] = {
    "aws-cli/2.13.5 Python/3.11.4 Linux/6.1.0 exe/x86_64.debian.12 prompt/off command/ec2.describe",
    "Boto3/1.28.20 md/Botocore#1.31.20 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.4",
    "aws-sdk-go-v2/1.21.0 os/linux lang/go#1.21.1 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.118.0",
    "console.amazonaws.com",
    "terraform/1.5.7 (+https://www.terraform.io) terraform-provider-aws",
    "aws-sdk-java/2.20.140 Linux/6.1.0 OpenJDK_64-Bit_Server_VM/17.0.8+7 Java/17.0.8 "
    "vendor/Debian"};
constexpr const char* kAccounts[] = {"111111111111", "222222222222", "333333333333",
                                     "444444444444"};

void AppendHex(std::string& out, uint64_t value, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) {
    out += kHex[(value >> (4 * i)) & 0xf];
  }
}

void AppendUuid(std::string& out, uint64_t a, uint64_t b) {
  AppendHex(out, a >> 32, 8);
  out += '-';
  AppendHex(out, a >> 16, 4);
  out += '-';
  AppendHex(out, a, 4);
  out += '-';
  AppendHex(out, b >> 48, 4);
  out += '-';
  AppendHex(out, b, 12);
}

}  // namespace

uint64_t CloudTrailLines::Next() {
  // xorshift64*: fast, and varied enough that lz4 compresses these like real records.
  state_ ^= state_ >> 12;
  state_ ^= state_ << 25;
  state_ ^= state_ >> 27;
  return state_ * 0x2545F4914F6CDD1DULL;
}

bool CloudTrailLines::AppendNext(std::string& out, const std::string& user_agent) {
  const bool tamper = match_every_ > 0 && count_ % static_cast<uint64_t>(match_every_) == 0;
  ++count_;
  const Call call = tamper ? Call{"cloudtrail.amazonaws.com", Pick(kTamper), false} : Pick(kCalls);
  const char* account = Pick(kAccounts);
  const char* user = Pick(kUsers);
  const char* role = Pick(kRoles);
  const uint64_t r = Next();
  const uint64_t key = Next();
  uint64_t second = 0;  // of the day
  if (times_ == EventTimes::kRandom) {
    second = r % 24 * 3600 + (r >> 8 & 0x3f) % 60 * 60 + (r >> 16 & 0x3f) % 60;
  } else {
    const uint64_t on_time = first_second_ + (count_ - 1) / 100;
    const uint64_t late = (r >> 8) % 300;
    second = (on_time > late ? on_time - late : 0) % 86400;
  }
  char time[32];
  std::snprintf(time, sizeof time, "2026-11-23T%02u:%02u:%02uZ",
                static_cast<unsigned>(second / 3600), static_cast<unsigned>(second / 60 % 60),
                static_cast<unsigned>(second % 60));
  char ip[24];
  std::snprintf(ip, sizeof ip, "%u.%u.%u.%u", 1 + static_cast<unsigned>(r >> 24 & 0xff) % 223,
                static_cast<unsigned>(r >> 32 & 0xff), static_cast<unsigned>(r >> 40 & 0xff),
                1 + static_cast<unsigned>(r >> 48 & 0xff) % 254);
  const bool assumed = (r >> 56) % 3 != 0;

  out += R"({"eventVersion":"1.08","userIdentity":{"type":")";
  out += assumed ? "AssumedRole" : "IAMUser";
  out += R"(","principalId":"AROA)";
  AppendHex(out, key, 16);
  out += assumed ? ":" : "";
  out += assumed ? user : "";
  out += R"(","arn":"arn:aws:)";
  out += assumed ? "sts::" : "iam::";
  out += account;
  out += assumed ? ":assumed-role/" : ":user/";
  out += assumed ? role : user;
  out += assumed ? "/" : "";
  out += assumed ? user : "";
  out += R"(","accountId":")";
  out += account;
  out += R"(","accessKeyId":")";
  out += assumed ? "ASIA" : "AKIA";
  AppendHex(out, key * 31, 16);
  if (assumed) {
    // Only assumed roles carry a session issuer; IAM users' records are shorter.
    out += R"(","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROA)";
    AppendHex(out, key >> 3, 16);
    out += R"(","arn":"arn:aws:iam::)";
    out += account;
    out += ":role/";
    out += role;
    out += R"(","accountId":")";
    out += account;
    out += R"(","userName":")";
    out += role;
    out += R"("},"attributes":{"creationDate":")";
    out += time;
    out += R"(","mfaAuthenticated":")";
    out += (r & 1) != 0 ? "true" : "false";
    out += R"("}}})";
  } else {
    out += R"("})";
  }
  out += R"(,"eventTime":")";
  out += time;
  out += R"(","eventSource":")";
  out += call.source;
  out += R"(","eventName":")";
  out += call.name;
  out += R"(","awsRegion":")";
  out += Pick(kRegions);
  out += R"(","sourceIPAddress":")";
  out += ip;
  out += R"(","userAgent":")";
  out += user_agent.empty() ? Pick(kAgents) : user_agent.c_str();
  out += R"(","requestParameters":{"name":"trail-)";
  AppendHex(out, r >> 20, 5);
  out +=
      R"(","filterSet":{"items":[{"name":"tag:team","valueSet":{"items":[{"value":"platform"}]}},)";
  out += R"({"name":"instance-state-name","valueSet":{"items":[{"value":"running"}]}}]},)";
  out += R"("maxResults":1000,"nextToken":")";
  AppendHex(out, Next(), 16);
  out += R"("},"responseElements":null,"requestID":")";
  AppendUuid(out, Next(), Next());
  out += R"(","eventID":")";
  AppendUuid(out, Next(), Next());
  out += R"(","readOnly":)";
  out += call.read_only ? "true" : "false";
  out += R"(,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":")";
  out += account;
  out += R"(","eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3",)";
  out += R"("cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":")";
  out += call.source;
  out += "\"}}\n";
  return tamper;
}

}  // namespace trailhound::bench
