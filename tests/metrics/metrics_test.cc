// tests/metrics/metrics_test.cc: the registry's families as a scraper sees them, through a real
// HTTP client (Boost.Beast) against MetricsExposer on 127.0.0.1 port 0. Every request has a
// deadline; nothing sleeps.
#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include "metrics/exposer.h"
#include "metrics/registry.h"

namespace trailhound::metrics {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct HttpReply {
  int status = 0;
  std::string body;
  std::string error;  // empty when a response arrived
};

// One GET on a fresh connection, bounded by `timeout` (Beast's timer covers every step).
HttpReply Get(uint16_t port, const std::string& target,
              std::chrono::seconds timeout = std::chrono::seconds(10)) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::flat_buffer buffer;
  http::request<http::empty_body> request{http::verb::get, target, 11};
  request.set(http::field::host, "127.0.0.1");
  request.keep_alive(false);
  http::response<http::string_body> response;
  HttpReply reply;
  const auto fail = [&](const beast::error_code& ec) { reply.error = ec.message(); };
  stream.expires_after(timeout);
  stream.async_connect(asio::ip::tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), port),
                       [&](beast::error_code connected) {
                         if (connected) {
                           return fail(connected);
                         }
                         http::async_write(stream, request, [&](beast::error_code written, size_t) {
                           if (written) {
                             return fail(written);
                           }
                           http::async_read(
                               stream, buffer, response, [&](beast::error_code read, size_t) {
                                 if (read) {
                                   return fail(read);
                                 }
                                 reply.status = static_cast<int>(response.result_int());
                                 reply.body = response.body();
                               });
                         });
                       });
  io.run();
  return reply;
}

// One registry and exposer for the suite: civetweb takes up to its 2 s poll quantum to stop, so
// a server per test would make this unit suite slow. Tests use label values of their own.
class MetricsExposerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    base::Result<std::unique_ptr<Metrics>> metrics = Metrics::Create();
    ASSERT_TRUE(metrics.has_value()) << metrics.error().ToString();
    metrics_ = std::move(metrics).value().release();
    base::Result<std::unique_ptr<MetricsExposer>> exposer =
        MetricsExposer::Start("127.0.0.1:0", metrics_->registry());
    ASSERT_TRUE(exposer.has_value()) << exposer.error().ToString();
    exposer_ = std::move(exposer).value().release();
    ASSERT_NE(exposer_->port(), 0);
  }
  static void TearDownTestSuite() {
    delete exposer_;
    delete metrics_;
  }
  void SetUp() override {
    ASSERT_NE(exposer_, nullptr);
    exposer_->SetReady(false);
  }

  static Metrics* metrics_;
  static MetricsExposer* exposer_;
};

Metrics* MetricsExposerTest::metrics_ = nullptr;
MetricsExposer* MetricsExposerTest::exposer_ = nullptr;

TEST_F(MetricsExposerTest, ScrapeShowsEveryFamilyWithItsValues) {
  metrics_->EventsConsumed("cloudtrail").Increment(3);
  metrics_->events_decoded().Increment(2);
  metrics_->EventsFailed("bad-json").Increment();
  metrics_->rule_evaluations().Increment(7);
  metrics_->RuleMatches("aws_s3_public_bucket").Increment();
  metrics_->Alerts("kafka", AlertOutcome::kDelivered).Increment(2);
  metrics_->ConsumerLag("cloudtrail", 2).Set(17);
  metrics_->OutboxDepth("kafka").Set(4);
  metrics_->DeadLetters(DeadLetterOutcome::kFile).Increment();
  metrics_->store_bytes().Set(4096);
  metrics_->Reloads(ReloadResult::kSuccess).Increment();
  metrics_->StageLatency(Stage::kDecode).Observe(0.0002);
  metrics_->kafka_offset_resets().Increment();
  metrics_->kafka_commit_errors().Increment();

  const HttpReply reply = Get(exposer_->port(), "/metrics");
  ASSERT_EQ(reply.error, "");
  ASSERT_EQ(reply.status, 200);
  for (const char* want : {
           "trailhound_events_consumed_total{topic=\"cloudtrail\"} 3\n",
           "trailhound_events_decoded_total 2\n",
           "trailhound_events_failed_total{reason=\"bad-json\"} 1\n",
           "trailhound_rule_evaluations_total 7\n",
           "trailhound_rule_matches_total{rule=\"aws_s3_public_bucket\"} 1\n",
           "trailhound_alerts_total{outcome=\"delivered\",sink=\"kafka\"} 2\n",
           "trailhound_consumer_lag_messages{partition=\"2\",topic=\"cloudtrail\"} 17\n",
           "trailhound_outbox_depth{sink=\"kafka\"} 4\n",
           "trailhound_dead_letters_total{outcome=\"file\"} 1\n",
           "trailhound_dead_letters_total{outcome=\"produced\"} 0\n",
           "trailhound_store_bytes 4096\n",
           "trailhound_reloads_total{result=\"success\"} 1\n",
           "trailhound_reloads_total{result=\"failure\"} 0\n",
           "# TYPE trailhound_stage_latency_seconds histogram\n",
           "trailhound_stage_latency_seconds_bucket{stage=\"decode\",le=\"0.0001\"} 0\n",
           "trailhound_stage_latency_seconds_bucket{stage=\"decode\",le=\"0.00025\"} 1\n",
           "trailhound_stage_latency_seconds_bucket{stage=\"decode\",le=\"10\"} 1\n",
           "trailhound_stage_latency_seconds_count{stage=\"deliver\"} 0\n",
           "trailhound_kafka_offset_resets_total 1\n",
           "trailhound_kafka_commit_errors_total 1\n",
       }) {
    EXPECT_NE(reply.body.find(want), std::string::npos) << "missing: " << want << reply.body;
  }
}

TEST_F(MetricsExposerTest, HandlesForOneLabelSetAreTheSameSeries) {
  prometheus::Counter& first = metrics_->RuleMatches("r1");
  prometheus::Counter& again = metrics_->RuleMatches("r1");
  EXPECT_EQ(&first, &again);
  EXPECT_NE(&first, &metrics_->RuleMatches("r2"));
  EXPECT_EQ(&metrics_->Alerts("s", AlertOutcome::kFailed),
            &metrics_->Alerts("s", AlertOutcome::kFailed));
}

TEST_F(MetricsExposerTest, HealthzAnswersWhileRunning) {
  const HttpReply reply = Get(exposer_->port(), "/healthz");
  ASSERT_EQ(reply.error, "");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "ok\n");
}

TEST_F(MetricsExposerTest, ReadyzFollowsTheReadinessFlag) {
  HttpReply reply = Get(exposer_->port(), "/readyz");
  ASSERT_EQ(reply.error, "");
  EXPECT_EQ(reply.status, 503);
  exposer_->SetReady(true);
  reply = Get(exposer_->port(), "/readyz");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "ready\n");
  exposer_->SetReady(false);
  EXPECT_EQ(Get(exposer_->port(), "/readyz").status, 503);
}

TEST_F(MetricsExposerTest, EachExposerAnswersForItsOwnReadiness) {
  base::Result<std::unique_ptr<MetricsExposer>> other =
      MetricsExposer::Start("127.0.0.1:0", metrics_->registry());
  ASSERT_TRUE(other.has_value()) << other.error().ToString();
  (*other)->SetReady(true);
  EXPECT_EQ(Get((*other)->port(), "/readyz").status, 200);
  EXPECT_EQ(Get(exposer_->port(), "/readyz").status, 503);
}

TEST_F(MetricsExposerTest, UnknownPathIsNotFound) {
  EXPECT_EQ(Get(exposer_->port(), "/nothing-here").status, 404);
}

TEST_F(MetricsExposerTest, APortInUseIsAStatusNotAnException) {
  const std::string taken = "127.0.0.1:" + std::to_string(exposer_->port());
  base::Result<std::unique_ptr<MetricsExposer>> second =
      MetricsExposer::Start(taken, metrics_->registry());
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code(), base::StatusCode::kUnavailable);
  EXPECT_NE(second.error().message().find(taken), std::string_view::npos)
      << second.error().ToString();
}

}  // namespace
}  // namespace trailhound::metrics
