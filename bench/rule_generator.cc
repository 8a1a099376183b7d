// bench/rule_generator.cc: the rule shapes. A splitmix64 stream seeded per rule index, so rule i
// is the same text in the 1,000 and the 10,000 set, and no standard distribution (their output
// differs between standard libraries) picks anything.
#include "bench/rule_generator.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <set>
#include <string_view>

namespace trailhound::bench {
namespace {

class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }
  size_t Between(size_t low, size_t high) { return low + Below(high - low + 1); }
  bool Percent(int percent) { return Below(100) < static_cast<size_t>(percent); }
  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Below(N)];
  }

 private:
  uint64_t state_;
};

constexpr std::string_view kVerbs[] = {
    "Create",   "Delete",     "Update",    "Put",       "Get",     "List",      "Describe",
    "Modify",   "Attach",     "Detach",    "Enable",    "Disable", "Start",     "Stop",
    "Reset",    "Tag",        "Untag",     "Associate", "Import",  "Export",    "Restore",
    "Register", "Deregister", "Authorize", "Revoke",    "Rotate",  "Replicate", "Copy"};
constexpr std::string_view kNouns[] = {
    "Bucket",   "Policy",     "Role",     "User",         "AccessKey", "Secret",      "Snapshot",
    "Instance", "Volume",     "Cluster",  "Function",     "Layer",     "Stream",      "Topic",
    "Queue",    "Table",      "Trail",    "Detector",     "Filter",    "Endpoint",    "Certificate",
    "Domain",   "Repository", "Pipeline", "Workspace",    "Dataset",   "Model",       "Job",
    "Alias",    "Grant",      "Group",    "LoginProfile", "Document",  "Association", "Image",
    "Template", "Listener",   "Vault",    "Connection",   "Deployment"};
constexpr std::string_view kSuffixes[] = {"",          "",           "",           "Configuration",
                                          "Attribute", "Permission", "Version",    "Tags",
                                          "Settings",  "Access",     "Encryption", "Logging"};
constexpr std::string_view kExtraServices[] = {"glue",
                                               "athena",
                                               "sagemaker",
                                               "bedrock",
                                               "eks",
                                               "ecs",
                                               "ecr",
                                               "cloudfront",
                                               "dynamodb",
                                               "sns",
                                               "sqs",
                                               "kinesis",
                                               "firehose",
                                               "redshift",
                                               "elasticache",
                                               "elasticfilesystem",
                                               "backup",
                                               "config",
                                               "macie2",
                                               "inspector2",
                                               "access-analyzer",
                                               "sso",
                                               "identitystore",
                                               "codecommit",
                                               "codebuild",
                                               "codepipeline",
                                               "apigateway",
                                               "cognito-idp",
                                               "acm",
                                               "wafv2",
                                               "shield",
                                               "datasync",
                                               "transfer",
                                               "workspaces",
                                               "appsync",
                                               "batch",
                                               "emr",
                                               "opensearch",
                                               "mq",
                                               "events",
                                               "states",
                                               "scheduler"};
// Tools a rule would flag; the SDKs, consoles and Terraform every trail is full of are left out,
// as a rule on them would alert on most events.
constexpr std::string_view kUserAgents[] = {
    "kali",       "parrot",      "pentoo",          "Pacu",        "TruffleHog", "S3 Browser",
    "Cyberduck",  "curl/",       "python-requests", "Scout Suite", "Prowler",    "CloudSploit",
    "Nmap",       "sqlmap",      "Postman",         "Wget",        "PowerShell", "aws-vault",
    "Pulumi",     "CloudMapper", "WeirdAAL",        "cloudfox",    "Steampipe",  "Cartography",
    "ScoutSuite", "endgame",     "aws-nuke",        "okhttp",      "libcurl",    "Ruby/",
    "Hydra",      "masscan",     "zgrab",           "nuclei",      "gobuster",   "ffuf",
    "Metasploit", "Cobalt",      "Sliver",          "Havoc"};
constexpr std::string_view kParameterFields[] = {"requestParameters",
                                                 "requestParameters.bucketName",
                                                 "requestParameters.policyDocument",
                                                 "requestParameters.roleName",
                                                 "requestParameters.userName",
                                                 "requestParameters.instanceType",
                                                 "responseElements",
                                                 "requestParameters.name",
                                                 "requestParameters.keyId",
                                                 "requestParameters.secretId"};
constexpr std::string_view kParameterWords[] = {"Allow",
                                                "Principal",
                                                "\"*\"",
                                                "public-read",
                                                "AuthenticatedUsers",
                                                "AllUsers",
                                                "backdoor",
                                                "admin",
                                                "exfil",
                                                "tmp",
                                                "0.0.0.0/0",
                                                "::/0",
                                                "x1e.",
                                                "p4d.",
                                                "g5.",
                                                "Suspended",
                                                "DISABLED",
                                                "kms:",
                                                "iam:PassRole",
                                                "sts:AssumeRole",
                                                "s3:GetObject",
                                                "root",
                                                "prod",
                                                "staging",
                                                "pentest",
                                                "shadow",
                                                "crypto",
                                                "miner",
                                                "ransom",
                                                "decrypt",
                                                "export",
                                                "snapshot",
                                                "AdministratorAccess",
                                                "PowerUserAccess",
                                                "FullAccess",
                                                "legacy"};
constexpr std::string_view kArnPatterns[] = {
    ":assumed-role/(admin|root|break-?glass)[A-Za-z0-9_-]*/",
    ":user/svc-[a-z0-9]+$",
    "^arn:aws:iam::[0-9]{12}:user/(temp|test|tmp)[-_]",
    ":assumed-role/AWSReservedSSO_[A-Za-z]+_[0-9a-f]{16}/",
    "^arn:aws:sts::[0-9]{12}:federated-user/",
    ":assumed-role/[^/]*(ci|deploy|pipeline)[^/]*/i-[0-9a-f]{8,17}$",
    ":role/OrganizationAccountAccessRole",
    "^arn:aws:iam::(111111111111|222222222222|333333333333):"};
constexpr std::string_view kFilters[] = {
    "        userAgent|startswith:\n            - 'AWS Internal'\n            - '[S3Console'\n",
    "        userIdentity.type: 'AWSService'\n",
    "        errorCode|contains: '*'\n",
    "        sourceIPAddress|cidr: '10.0.0.0/8'\n",
    "        userIdentity.arn|endswith:\n            - ':user/terraform'\n"
    "            - ':assumed-role/ci-deploy'\n",
    "        userIdentity.invokedBy: 'cloudformation.amazonaws.com'\n"};

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// YAML single-quoted scalar: only the quote itself is escaped, by doubling.
std::string Quoted(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    out += c;
    if (c == '\'') {
      out += '\'';
    }
  }
  return out + "'";
}

// Draws names for one rule: real ones uniformly over the trail's distinct names, the rest made
// from verbs and nouns and never equal to a name the trail holds.
class NameSource {
 public:
  NameSource(const std::vector<TrailName>& trail, const GeneratorMix& mix, Random& random)
      : trail_(trail), mix_(mix), random_(random) {
    for (const TrailName& name : trail) {
      trail_names_.insert(Lower(name.name));
    }
  }

  TrailName Anchor() {
    if (random_.Percent(mix_.real_name_percent)) {
      return trail_[random_.Below(trail_.size())];
    }
    const bool trail_service = random_.Percent(30);
    std::string source = trail_service
                             ? trail_[random_.Below(trail_.size())].source
                             : std::string(random_.Pick(kExtraServices)) + ".amazonaws.com";
    return TrailName{std::move(source), Synthetic()};
  }

  // Another name for a rule anchored on `source`.
  std::string NameFor(std::string_view source) {
    if (random_.Percent(mix_.real_name_percent)) {
      std::vector<size_t> same;
      for (size_t i = 0; i < trail_.size(); ++i) {
        if (trail_[i].source == source) {
          same.push_back(i);
        }
      }
      return trail_[same.empty() ? random_.Below(trail_.size()) : same[random_.Below(same.size())]]
          .name;
    }
    return Synthetic();
  }

  std::string Synthetic() {
    for (;;) {
      std::string name(random_.Pick(kVerbs));
      name += random_.Pick(kNouns);
      name += random_.Pick(kSuffixes);
      if (trail_names_.count(Lower(name)) == 0) {
        return name;
      }
    }
  }

 private:
  const std::vector<TrailName>& trail_;
  const GeneratorMix& mix_;
  Random& random_;
  std::set<std::string> trail_names_;
};

void AppendList(std::string& out, std::string_view key, const std::vector<std::string>& values) {
  out += "        ";
  out += key;
  if (values.size() == 1) {
    out += ": " + Quoted(values.front()) + "\n";
    return;
  }
  out += ":\n";
  for (const std::string& value : values) {
    out += "            - " + Quoted(value) + "\n";
  }
}

std::vector<std::string> Names(NameSource& names, const TrailName& anchor, size_t count) {
  std::vector<std::string> out = {anchor.name};
  while (out.size() < count) {
    std::string name = names.NameFor(anchor.source);
    if (std::find(out.begin(), out.end(), name) == out.end()) {
      out.push_back(std::move(name));
    }
  }
  return out;
}

template <size_t N>
std::vector<std::string> Words(Random& random, const std::string_view (&pool)[N], size_t count) {
  std::vector<std::string> out;
  while (out.size() < count) {
    std::string word(random.Pick(pool));
    if (random.Percent(50)) {
      word += '-';
      word += std::to_string(random.Below(1000));  // many distinct values, as real lists
    }
    if (std::find(out.begin(), out.end(), word) == out.end()) {
      out.push_back(std::move(word));
    }
  }
  return out;
}

// The verb and first noun of a CamelCase name: `DescribeRouteTables` → `DescribeRoute`.
std::string VerbNounPrefix(std::string_view name) {
  int capitals = 0;
  for (size_t i = 0; i < name.size(); ++i) {
    if (std::isupper(static_cast<unsigned char>(name[i])) && ++capitals == 3) {
      return std::string(name.substr(0, i));
    }
  }
  return std::string(name);
}

// The body of the `selection` map, by shape; `plain` when it is eventSource + eventName alone.
void AppendSelection(std::string& out, Random& random, NameSource& names, const GeneratorMix& mix,
                     bool& plain) {
  const TrailName anchor = names.Anchor();
  size_t roll = random.Below(100);
  plain = false;
  auto take = [&roll](int percent) {
    const bool hit = roll < static_cast<size_t>(percent);
    roll = hit ? 1000 : roll - static_cast<size_t>(percent);
    return hit;
  };
  if (take(mix.unindexed_percent)) {
    if (random.Percent(50)) {
      AppendList(out, "userAgent|contains", Words(random, kUserAgents, random.Between(5, 20)));
    } else {
      AppendList(out, "userIdentity.arn|re", {std::string(random.Pick(kArnPatterns))});
      AppendList(out, "userIdentity.type", {"AssumedRole"});
    }
    return;
  }
  if (take(mix.source_only_percent)) {
    AppendList(out, "eventSource", {anchor.source});
    AppendList(out, "userAgent|contains", Words(random, kUserAgents, random.Between(5, 20)));
    return;
  }
  AppendList(out, "eventSource", {anchor.source});
  if (take(mix.startswith_percent)) {
    AppendList(out, "eventName|startswith", {VerbNounPrefix(anchor.name)});
    AppendList(out, std::string(random.Pick(kParameterFields)) + "|contains",
               Words(random, kParameterWords, random.Between(1, 5)));
    return;
  }
  if (take(mix.long_list_percent)) {
    AppendList(out, "eventName", Names(names, anchor, random.Between(5, 50)));
    return;
  }
  AppendList(out, "eventName", Names(names, anchor, random.Between(1, 4)));
  if (take(mix.contains_percent)) {
    AppendList(out, std::string(random.Pick(kParameterFields)) + "|contains",
               Words(random, kParameterWords, random.Between(5, 50)));
  } else if (take(mix.user_agent_percent)) {
    AppendList(out, "userAgent|contains", Words(random, kUserAgents, random.Between(5, 40)));
  } else if (take(mix.regex_percent)) {
    AppendList(out, "userIdentity.arn|re", {std::string(random.Pick(kArnPatterns))});
  } else {
    plain = true;
  }
}

}  // namespace

std::string GenerateRule(size_t index, const std::vector<TrailName>& trail, const GeneratorMix& mix,
                         uint64_t seed) {
  Random random(seed ^ (0x5851f42d4c957f2dull * (index + 1)));
  NameSource names(trail, mix, random);
  char id[40];
  std::snprintf(id, sizeof id, "%08x-%04x-4%03x-8%03x-%012zx", static_cast<unsigned>(random.Next()),
                static_cast<unsigned>(random.Below(0x10000)),
                static_cast<unsigned>(random.Below(0x1000)),
                static_cast<unsigned>(random.Below(0x1000)), index);
  std::string out = "title: 'Generated rule " + std::to_string(index) + "'\nid: " + id +
                    "\nstatus: experimental\ndescription: 'bench_rules generated rule'\n"
                    "author: 'bench_rules'\nlevel: medium\ntags:\n    - attack.t1078\n"
                    "logsource:\n    product: aws\n    service: cloudtrail\ndetection:\n";
  bool plain = false;
  std::string selection;
  AppendSelection(selection, random, names, mix, plain);
  const bool two = plain && random.Percent(mix.two_selections_percent);
  out += two ? "    selection_a:\n" : "    selection:\n";
  out += selection;
  if (two) {
    const TrailName other = names.Anchor();
    out += "    selection_b:\n";
    AppendList(out, "eventSource", {other.source});
    AppendList(out, "eventName", Names(names, other, random.Between(1, 3)));
  }
  const char* selected = two ? "1 of selection_*" : "selection";
  if (random.Percent(mix.filter_percent)) {
    out += "    filter:\n";
    out += random.Pick(kFilters);
    out += std::string("    condition: ") + selected + " and not filter\n";
  } else {
    out += std::string("    condition: ") + selected + "\n";
  }
  return out;
}

bool WriteGeneratedRules(const std::string& dir, size_t count, const std::vector<TrailName>& trail,
                         const GeneratorMix& mix, uint64_t seed) {
  for (size_t i = 0; i < count; ++i) {
    char name[48];
    std::snprintf(name, sizeof name, "/generated_%05zu.yml", i);
    std::ofstream file(dir + name, std::ios::binary);
    file << GenerateRule(i, trail, mix, seed);
    if (!file.good()) {
      return false;
    }
  }
  return true;
}

}  // namespace trailhound::bench
