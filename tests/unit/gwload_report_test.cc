// gwload's report: a LoadResult built by hand (no network) gives the rates, the fell-behind
// verdict, the threshold metrics, the text lines and the JSON fields documented in
// tools/gwload/README.md; the exit status for a failed threshold and for nothing measured.
#include "tools/gwload/report.h"

#include <gtest/gtest.h>

#include <sstream>

#include "tools/gwload/rate_command.h"

namespace gwload {
namespace {

gateway::UpstreamResult answered(int status, gateway::TimePoint sentAt) {
  gateway::UpstreamResult r;
  r.response.status = status;
  r.response.body = "hello";
  r.sentAt = sentAt;
  return r;
}

gateway::UpstreamResult failed(gateway::UpstreamOutcome outcome, std::string detail, gateway::TimePoint sentAt = 0) {
  gateway::UpstreamResult r;
  r.outcome = outcome;
  r.detail = std::move(detail);
  r.sentAt = sentAt;
  return r;
}

// 100/s for 1 s: request i intended at i*10 ms, dispatched on time, answered 1 ms after its
// send; except that the first 10 waited 500 ms for a connection (sent late, answered fast).
Report sampleReport() {
  Report report;
  report.settings.url = "http://127.0.0.1:9/x";
  report.settings.rate = 100;
  report.settings.durationS = 1;
  report.settings.connectionsMax = 2;
  report.settings.timeoutMs = 1000;
  report.measureStart = 1'000'000;
  for (int i = 0; i < 100; ++i) {
    const gateway::TimePoint intended = 1'000'000 + i * 10'000;
    const gateway::TimePoint sent = i < 10 ? 1'500'000 : intended;
    if (i == 50) {
      report.result.record(intended, intended, intended + 1000, failed(gateway::UpstreamOutcome::kConnectError, "refused"));
      continue;
    }
    if (i == 51) {
      report.result.record(intended, intended, intended + 300'000,
                           failed(gateway::UpstreamOutcome::kTimeout, "deadline passed", intended));
      continue;
    }
    report.result.record(intended, intended, sent + 1000, answered(i == 60 ? 503 : 200, sent));
  }
  report.result.connectionsOpened = 2;
  return report;
}

TEST(GwloadReportTest, MetricsFromAKnownRun) {
  const Report report = sampleReport();
  EXPECT_EQ(report.metric("count"), 100);
  EXPECT_EQ(report.metric("responses"), 98);
  EXPECT_EQ(report.metric("errors"), 2);
  EXPECT_DOUBLE_EQ(*report.metric("error_rate"), 0.02);
  EXPECT_EQ(report.metric("connect_errors"), 1);
  EXPECT_EQ(report.metric("timeouts"), 1);
  EXPECT_EQ(report.metric("status_2xx"), 97);
  EXPECT_EQ(report.metric("status_5xx"), 1);
  EXPECT_EQ(report.metric("connections"), 2);
  EXPECT_NEAR(*report.metric("dispatch_rate"), 100.0, 1e-9);  // dispatched on schedule
  EXPECT_NEAR(*report.metric("rate"), 99.0, 1e-9);             // the refused one never went out
  EXPECT_FALSE(report.targetBehind());
  EXPECT_EQ(report.metric("intended_rate"), 100);
  EXPECT_FALSE(report.fellBehind());
  // Corrected: the first request waited 500 ms + 1 ms; the uncorrected max is the timeout's.
  EXPECT_EQ(report.metric("max_ms"), 501);
  EXPECT_EQ(report.metric("uncorrected_p90_ms"), 1);
  EXPECT_EQ(report.metric("uncorrected_max_ms"), 300);
  EXPECT_GE(*report.metric("p90_ms"), 401.0);  // 10 of 99 latencies are 411..501 ms
  EXPECT_EQ(report.metric("p50_ms"), 1);
  EXPECT_EQ(report.metric("send_lag_max_ms"), 0);
  EXPECT_FALSE(report.metric("no_such_metric"));
}

TEST(GwloadReportTest, FallingBehindIsSaidPlainly) {
  Report report;
  report.settings.rate = 1000;
  report.settings.durationS = 1;
  report.measureStart = 0;
  // 1000 requests, each dispatched 25% later than intended: the last at 1.25 s.
  for (int i = 0; i < 1000; ++i) {
    const gateway::TimePoint intended = i * 1000;
    report.result.record(intended, intended * 5 / 4, intended * 5 / 4 + 100, answered(200, intended * 5 / 4));
  }
  EXPECT_TRUE(report.fellBehind());
  EXPECT_NEAR(report.dispatchRate(), 1000 / 1.24975, 0.5);
  EXPECT_FALSE(report.targetBehind());  // gwload's own lateness is not blamed on the target
  EXPECT_EQ(report.behindMessage().rfind("fell behind: achieved 800.2/s of 1000/s, send lag p99 ", 0), 0u)
      << report.behindMessage();
  const nlohmann::json j = toJson(report, {});
  EXPECT_EQ(j["fell_behind"], true);
  EXPECT_EQ(j["behind_message"], report.behindMessage());
  EXPECT_NE(formatText(report, {}).find("WARNING     fell behind: achieved 800.2/s of 1000/s"), std::string::npos);
}

TEST(GwloadReportTest, ATargetThatCannotKeepUpIsNamedAsSuch) {
  Report report;
  report.settings.rate = 1000;
  report.settings.durationS = 1;
  report.settings.connectionsMax = 4;
  // Dispatched on time; on the wire 25% later each (waiting for one of 4 connections).
  for (int i = 0; i < 1000; ++i) {
    const gateway::TimePoint intended = i * 1000;
    report.result.record(intended, intended, intended * 5 / 4 + 100, answered(200, intended * 5 / 4 + 1));
  }
  EXPECT_FALSE(report.fellBehind());
  EXPECT_TRUE(report.targetBehind());
  EXPECT_NEAR(report.achievedRate(), 1000 / 1.24975, 0.5);
  EXPECT_EQ(report.targetMessage().rfind("the target fell behind: 800.2/s of 1000/s went on the wire, the rest waited "
                                         "for one of 4 connections per thread (corrected p99 ", 0), 0u)
      << report.targetMessage();
  const nlohmann::json j = toJson(report, {});
  EXPECT_EQ(j["target_behind"], true);
  EXPECT_EQ(j["fell_behind"], false);
  EXPECT_EQ(j["target_message"], report.targetMessage());
  std::ostringstream err;
  EXPECT_EQ(rateExitStatus(report, {}, err), 0);  // a finding, not a failure: --expect decides
  EXPECT_EQ(err.str(), "gwload: " + report.targetMessage() + "\n");
}

TEST(GwloadReportTest, TextAndJsonCarryTheFigures) {
  const Report report = sampleReport();
  std::string error;
  const auto t1 = parseThreshold("p50_ms < 5", error);
  const auto t2 = parseThreshold("status_5xx == 0", error);
  ASSERT_TRUE(t1 && t2);
  const auto verdicts = evaluate(report, {*t1, *t2});
  ASSERT_EQ(verdicts.size(), 2u);
  EXPECT_TRUE(verdicts[0].passed);
  EXPECT_FALSE(verdicts[1].passed);
  EXPECT_EQ(verdicts[1].actual, 1);

  const std::string text = formatText(report, verdicts);
  EXPECT_NE(text.find("requests    100 measured, 98 responses, 2 errors; 2 connections opened"), std::string::npos) << text;
  EXPECT_NE(text.find("status      200: 97, 503: 1"), std::string::npos) << text;
  EXPECT_NE(text.find("errors      connect 1, reset 0, timeout 1, protocol 0"), std::string::npos) << text;
  EXPECT_NE(text.find("  first connect: refused"), std::string::npos) << text;
  EXPECT_NE(text.find("expect      status_5xx == 0: FAILED (actual 1)"), std::string::npos) << text;
  EXPECT_NE(text.find("expect      p50_ms < 5: ok (actual 1)"), std::string::npos) << text;

  const nlohmann::json j = toJson(report, verdicts);
  EXPECT_EQ(j["requests"]["measured"], 100);
  EXPECT_EQ(j["requests"]["sent"], 99);
  EXPECT_EQ(j["status"]["200"], 97);
  EXPECT_EQ(j["status"]["503"], 1);
  EXPECT_EQ(j["errors"]["connect"], 1);
  EXPECT_EQ(j["errors"]["timeout"], 1);
  EXPECT_EQ(j["first_errors"]["connect"], "refused");
  EXPECT_EQ(j["latency_ms"]["corrected"]["max"], 501.0);
  EXPECT_EQ(j["latency_ms"]["uncorrected"]["p50"], 1.0);
  EXPECT_EQ(j["latency_ms"]["corrected"]["count"], 99);  // the connect error has no latency
  EXPECT_EQ(j["fell_behind"], false);
  EXPECT_FALSE(j.contains("behind_message"));
  EXPECT_EQ(j["thresholds"][1]["passed"], false);
  EXPECT_EQ(j["thresholds"][1]["actual"], 1.0);
  EXPECT_EQ(j["thresholds_passed"], false);

  std::ostringstream err;
  EXPECT_EQ(rateExitStatus(report, verdicts, err), 1);
  EXPECT_EQ(err.str(), "gwload: expectation failed: status_5xx == 0 (actual 1)\n");
}

TEST(GwloadReportTest, NothingAnsweredExitsThreeAndSaysWhy) {
  Report report;
  report.settings.rate = 10;
  report.settings.durationS = 1;
  for (int i = 0; i < 10; ++i) {
    report.result.record(i * 100'000, i * 100'000, i * 100'000 + 50,
                         failed(gateway::UpstreamOutcome::kConnectError, "connect to 127.0.0.1:1: Connection refused"));
  }
  std::ostringstream err;
  EXPECT_EQ(rateExitStatus(report, {}, err), 3);
  EXPECT_EQ(err.str(),
            "gwload: nothing could be measured: no request got a response: 10 connect errors (first: connect to "
            "127.0.0.1:1: Connection refused)\n");
}

TEST(GwloadReportTest, FlagsAreCheckedWithClearMessages) {
  RateFlags f;
  f.url = "http://127.0.0.1:8080/a?b=1";
  f.rate = 100;
  f.headers = {"X-Test:  yes ", "Host: example.org"};
  f.expects = {"p99_ms < 5"};
  std::string error;
  auto ok = checkRateFlags(f, error);
  ASSERT_TRUE(ok) << error;
  EXPECT_EQ(ok->plan.target.address, "127.0.0.1:8080");
  EXPECT_EQ(ok->plan.target.path, "/a?b=1");
  EXPECT_EQ(ok->plan.headers[0].second, "yes");
  EXPECT_EQ(ok->thresholds.size(), 1u);

  auto refused = [&](RateFlags bad) {
    std::string why;
    EXPECT_FALSE(checkRateFlags(bad, why));
    return why;
  };
  RateFlags b = f;
  b.rate = 0;
  EXPECT_EQ(refused(b), "--rate 0: must be a number of requests per second above 0 (at most 10000000)");
  b = f;
  b.url = "https://x/";
  EXPECT_EQ(refused(b), "URL \"https://x/\": https is not supported (gwload speaks plain HTTP/1.1; use http://)");
  b = f;
  b.url = "http://127.0.0.1:99999/";
  EXPECT_EQ(refused(b), "URL \"http://127.0.0.1:99999/\": port \"99999\" is not a number from 1 to 65535");
  b = f;
  b.arrival = "bursty";
  EXPECT_EQ(refused(b), "--arrival \"bursty\": must be constant or poisson");
  b = f;
  b.headers = {"NoColon"};
  EXPECT_EQ(refused(b), "-H \"NoColon\": expected 'Name: value' with a header name before the colon");
  b = f;
  b.expects = {"p99 < 5"};
  EXPECT_EQ(refused(b).rfind("--expect: unknown metric \"p99\" in \"p99 < 5\"", 0), 0u);
  b = f;
  b.format = "xml";
  EXPECT_EQ(refused(b), "--format \"xml\": must be text or json");

  std::string why;
  auto host = parseTarget("http://localhost/", why);
  ASSERT_TRUE(host);
  EXPECT_EQ(host->address, "localhost:80");
  EXPECT_EQ(host->host, "localhost");
  EXPECT_EQ(host->path, "/");
  auto bare = parseTarget("http://[::1]:8080", why);
  ASSERT_TRUE(bare) << why;
  EXPECT_EQ(bare->address, "[::1]:8080");
  EXPECT_EQ(bare->path, "/");
}

}  // namespace
}  // namespace gwload
