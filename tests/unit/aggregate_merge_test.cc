// The aggregation policy without I/O: what a part's answer counts as (status, body checks),
// merge into the top level and nesting under groups with per-part field rules, the runtime
// collision rule and its report, the status block, and the answer under each partial policy
// (complete, partial, failed with 502 / 504 / a shared 4xx).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "libgateway/aggregate/aggregate_merge.h"

namespace gateway {
namespace {

using nlohmann::json;

AggregatePart mergePart(std::string name, bool merge, const json& rules = json::object(), std::string group = {}) {
  AggregatePart p;
  p.name = std::move(name);
  p.merge = merge;
  p.group = merge ? std::string() : group.empty() ? p.name : group;
  FieldErrors errors;
  p.rules = loadFieldRules(rules, "/rules", errors);
  EXPECT_TRUE(errors.empty()) << errors.text();
  return p;
}

PartResult okPartResult(const json& document, Duration elapsed = millis(12)) {
  PartResult r;
  r.status = PartStatus::kOk;
  r.httpStatus = 200;
  r.ran = true;
  r.elapsed = elapsed;
  r.document = document;
  return r;
}

PartResult failedPartResult(PartStatus status, int http, std::string error = "failed") {
  PartResult r;
  r.status = status;
  r.httpStatus = http;
  r.ran = status != PartStatus::kSkipped;
  r.error = std::move(error);
  return r;
}

AggregateSpec mergeDashboardSpec(PartialPolicy policy = PartialPolicy::kAllow) {
  AggregateSpec spec;
  spec.route = "dash";
  spec.partial = policy;
  spec.timeout = millis(2000);
  spec.parts.push_back(mergePart("user", true, {{"deny", {"email"}}}));
  spec.parts.push_back(mergePart("orders", false, {{"allow", {"orders[].id"}}}));
  spec.parts.push_back(mergePart("recs", false, json::object(), "recommended"));
  return spec;
}

std::vector<PartResult> mergeDashboardResults() {
  std::vector<PartResult> results;
  results.push_back(okPartResult({{"id", 7}, {"name", "Ada"}, {"email", "ada@example.com"}}));
  results.push_back(okPartResult(json::parse(R"({"user_id": 7, "orders": [{"id": 70, "total_cents": 5}, {"id": 71, "total_cents": 6}]})")));
  results.push_back(okPartResult({{"products", {1, 2, 3}}}, millis(30)));
  return results;
}

TEST(AggregateMerge, ClassifiesCallAnswers) {
  EXPECT_EQ(classifyCall("upstream", 200), PartStatus::kOk);
  EXPECT_EQ(classifyCall("upstream", 204), PartStatus::kOk);  // its empty body then is a bad_response
  EXPECT_EQ(classifyCall("upstream", 503), PartStatus::k5xx);
  EXPECT_EQ(classifyCall("upstream", 404), PartStatus::k4xx);
  EXPECT_EQ(classifyCall("upstream", 429), PartStatus::kRateLimited);
  EXPECT_EQ(classifyCall("upstream", 302), PartStatus::kBadResponse);
  EXPECT_EQ(classifyCall("circuit_open", 503), PartStatus::kCircuitOpen);
  EXPECT_EQ(classifyCall("upstream_timeout", 504), PartStatus::kTimeout);
  EXPECT_EQ(classifyCall("pending_timeout", 504), PartStatus::kTimeout);
  EXPECT_EQ(classifyCall("upstream_connect_error", 502), PartStatus::k5xx);
  EXPECT_EQ(classifyCall("overloaded", 503), PartStatus::k5xx);
}

TEST(AggregateMerge, BodiesThatAreNotAJsonObjectWithinTheLimitAreBadResponses) {
  auto read = [](std::string_view body, std::string_view encoding = "", std::size_t max = 100) {
    PartResult r;
    readPartBody(body, encoding, max, r);
    return r;
  };
  const PartResult good = read(R"({"a": [1, {"b": 2}]})");
  EXPECT_EQ(good.status, PartStatus::kOk);
  EXPECT_EQ(good.document["a"][1]["b"], 2);
  EXPECT_EQ(read("<html>").error, "the answer is not JSON (at byte 1)");
  EXPECT_EQ(read("").status, PartStatus::kBadResponse);
  EXPECT_EQ(read("[1, 2]").error, "the answer is a JSON array, not an object");
  EXPECT_EQ(read("\"text\"").status, PartStatus::kBadResponse);
  EXPECT_EQ(read(R"({"a": 1})", "", 5).error, "the answer is 8 bytes, over max_part_bytes (5)");
  EXPECT_EQ(read(R"({"a": 1})", "gzip").error, "the answer is compressed (Content-Encoding: gzip)");
  EXPECT_EQ(read(R"({"a": 1})", "identity").status, PartStatus::kOk);
  const std::string deep = std::string(70, '[') + std::string(70, ']');
  EXPECT_EQ(read("{\"a\":" + deep + "}", "", 1000).error, "the answer nests deeper than 64 levels");
  // Brackets inside strings do not count.
  EXPECT_EQ(jsonDepth(R"({"s": "[[[[\"{{{"})", 64), 1u);
}

TEST(AggregateMerge, MergesNestsAndFiltersEachPart) {
  AggregateSpec spec = mergeDashboardSpec();
  auto results = mergeDashboardResults();
  const json out = mergeParts(spec, results);
  EXPECT_EQ(out["id"], 7);
  EXPECT_EQ(out["name"], "Ada");
  EXPECT_FALSE(out.contains("email"));  // the user part's deny
  EXPECT_EQ(out["orders"], json::parse(R"({"orders": [{"id": 70}, {"id": 71}]})"));  // allow keeps only ids
  EXPECT_EQ(out["recommended"]["products"], json({1, 2, 3}));
  EXPECT_EQ(out["_parts"]["user"], json::parse(R"({"status": "ok", "http_status": 200, "ms": 12})"));
  EXPECT_EQ(out["_parts"]["recs"]["ms"], 30);
  EXPECT_EQ(out.size(), 5u);
}

TEST(AggregateMerge, CollisionsKeepTheEarlierPartsKeyAndAreReported) {
  AggregateSpec spec;
  spec.parts.push_back(mergePart("a", true));
  spec.parts.push_back(mergePart("b", true));
  spec.parts.push_back(mergePart("g", false));
  std::vector<PartResult> results;
  results.push_back(okPartResult({{"id", 1}, {"g", "a's g"}}));
  results.push_back(okPartResult({{"id", 2}, {"_parts", "b's"}, {"extra", true}}));
  results.push_back(failedPartResult(PartStatus::k5xx, 503));  // its group name stays reserved
  const json out = mergeParts(spec, results);
  EXPECT_EQ(out["id"], 1);
  EXPECT_FALSE(out.contains("g"));
  EXPECT_EQ(out["extra"], true);
  EXPECT_EQ(out["_parts"]["a"]["collisions"], json({"g"}));
  EXPECT_EQ(out["_parts"]["b"]["collisions"], json({"_parts", "id"}));
  EXPECT_EQ(out["_parts"]["g"], json::parse(R"({"status": "5xx", "http_status": 503, "ms": 0, "error": "failed"})"));
}

TEST(AggregateMerge, EveryPartOkIsCompleteWithTheFlag) {
  AggregateSpec spec = mergeDashboardSpec();
  auto results = mergeDashboardResults();
  const AggregateAnswer a = buildAggregateAnswer(spec, results, false);
  EXPECT_EQ(a.kind, AggregateKind::kComplete);
  EXPECT_EQ(a.outcome, "aggregate");
  EXPECT_EQ(a.response.status, 200);
  EXPECT_EQ(a.response.headers.get("X-KrakenD-Completed"), "true");
  EXPECT_EQ(a.response.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(json::parse(a.response.body)["name"], "Ada");
}

TEST(AggregateMerge, PartialAllowAnswersWhatSucceededWithStatuses) {
  AggregateSpec spec = mergeDashboardSpec(PartialPolicy::kAllow);
  auto results = mergeDashboardResults();
  results[1] = failedPartResult(PartStatus::k5xx, 503, "the service answered 503");
  results[2] = failedPartResult(PartStatus::kSkipped, 0, "part \"orders\" failed (5xx)");
  const AggregateAnswer a = buildAggregateAnswer(spec, results, false);
  EXPECT_EQ(a.kind, AggregateKind::kPartial);
  EXPECT_EQ(a.outcome, "aggregate_partial");
  EXPECT_EQ(a.response.status, 200);
  EXPECT_EQ(a.response.headers.get("X-KrakenD-Completed"), "false");
  const json body = json::parse(a.response.body);
  EXPECT_EQ(body["name"], "Ada");
  EXPECT_FALSE(body.contains("orders"));
  EXPECT_EQ(body["_parts"]["orders"]["status"], "5xx");
  EXPECT_EQ(body["_parts"]["recs"], json::parse(R"j({"status": "skipped", "error": "part \"orders\" failed (5xx)"})j"));
}

TEST(AggregateMerge, PartialFailAnswersTheFailureWithTheStatusBlock) {
  AggregateSpec spec = mergeDashboardSpec(PartialPolicy::kFail);
  auto results = mergeDashboardResults();
  results[1] = failedPartResult(PartStatus::k5xx, 503);
  const AggregateAnswer a = buildAggregateAnswer(spec, results, false);
  EXPECT_EQ(a.kind, AggregateKind::kFailed);
  EXPECT_EQ(a.outcome, "aggregate_failed");
  EXPECT_EQ(a.response.status, 502);
  EXPECT_EQ(a.response.headers.get("X-KrakenD-Completed"), "false");
  const json body = json::parse(a.response.body);
  EXPECT_EQ(body["error"]["code"], "aggregate_failed");
  EXPECT_EQ(body["error"]["message"], "parts failed: orders (5xx)");
  EXPECT_EQ(body["_parts"]["user"]["status"], "ok");
  EXPECT_FALSE(body.contains("name"));  // no part's data in a failure
}

TEST(AggregateMerge, AnOptionalPartsFailureLeavesTheAnswerComplete) {
  AggregateSpec spec = mergeDashboardSpec(PartialPolicy::kFail);
  spec.parts[2].optional = true;
  auto results = mergeDashboardResults();
  results[2] = failedPartResult(PartStatus::kSkipped, 0, "{query.userId}: the request has no query parameter \"userId\"");
  const AggregateAnswer a = buildAggregateAnswer(spec, results, false);
  EXPECT_EQ(a.kind, AggregateKind::kComplete);
  EXPECT_EQ(a.response.status, 200);
  EXPECT_EQ(a.response.headers.get("X-KrakenD-Completed"), "true");
  EXPECT_EQ(json::parse(a.response.body)["_parts"]["recs"]["status"], "skipped");
  // Only optional parts, all failed: still the failure answer.
  AggregateSpec lone;
  lone.parts.push_back(mergePart("only", true));
  lone.parts[0].optional = true;
  std::vector<PartResult> one{failedPartResult(PartStatus::k5xx, 500)};
  const AggregateAnswer f = buildAggregateAnswer(lone, one, false);
  EXPECT_EQ(f.response.status, 502);
  EXPECT_EQ(json::parse(f.response.body)["error"]["message"], "every part failed: only (5xx)");
}

TEST(AggregateMerge, FailureStatuses) {
  AggregateSpec spec = mergeDashboardSpec(PartialPolicy::kAllow);
  auto statusOf = [&](std::vector<PartResult> results, bool deadline) {
    return buildAggregateAnswer(spec, results, deadline).response.status;
  };
  // Every part failed: the failure answer even under "allow".
  EXPECT_EQ(statusOf({failedPartResult(PartStatus::k5xx, 500), failedPartResult(PartStatus::kCircuitOpen, 503),
                      failedPartResult(PartStatus::kSkipped, 0)}, false),
            502);
  // Every part that answered gave the same 4xx: that status (an unknown user).
  EXPECT_EQ(statusOf({failedPartResult(PartStatus::k4xx, 404), failedPartResult(PartStatus::k4xx, 404),
                      failedPartResult(PartStatus::kSkipped, 0)}, false),
            404);
  EXPECT_EQ(statusOf({failedPartResult(PartStatus::k4xx, 404), failedPartResult(PartStatus::k4xx, 400),
                      failedPartResult(PartStatus::kSkipped, 0)}, false),
            502);
  EXPECT_EQ(statusOf({failedPartResult(PartStatus::kRateLimited, 429), failedPartResult(PartStatus::kRateLimited, 429),
                      failedPartResult(PartStatus::kRateLimited, 429)}, false),
            429);
  // Timeouts: the route's deadline, or every failure a timeout.
  EXPECT_EQ(statusOf({failedPartResult(PartStatus::kTimeout, 0), failedPartResult(PartStatus::k5xx, 500),
                      failedPartResult(PartStatus::kSkipped, 0)}, true),
            504);
  EXPECT_EQ(statusOf({failedPartResult(PartStatus::kTimeout, 504), failedPartResult(PartStatus::kTimeout, 504),
                      failedPartResult(PartStatus::kSkipped, 0)}, false),
            504);
  AggregateSpec failSpec = mergeDashboardSpec(PartialPolicy::kFail);
  auto some = mergeDashboardResults();
  some[2] = failedPartResult(PartStatus::kTimeout, 0);
  const AggregateAnswer a = buildAggregateAnswer(failSpec, some, true);
  EXPECT_EQ(a.response.status, 504);
  EXPECT_EQ(json::parse(a.response.body)["error"]["message"], "the route's deadline of 2000 ms passed; failed: recs (timeout)");
}

}  // namespace
}  // namespace gateway
