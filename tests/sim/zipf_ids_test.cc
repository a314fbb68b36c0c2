// Zipf-distributed ids in request paths: the inline form {zipf:MIN..MAX:s=S} (and
// {uniform:MIN..MAX}) beside "params"; rank frequencies within bounds of the law for a fixed
// seed, both drawn directly and as a run's client group sends them (its own stream of the
// scenario's seed); malformed inline laws reported at the path.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/workload/request_mix.h"
#include "tests/sim/sim_test_support.h"

namespace gwsim {
namespace {

using nlohmann::json;

// P(rank k) for Zipf(n, s).
double zipfShare(int k, int n, double s) {
  double sum = 0;
  for (int i = 1; i <= n; ++i) sum += 1.0 / std::pow(i, s);
  return 1.0 / std::pow(k, s) / sum;
}

std::optional<RequestMix> mixOf(const std::string& path, gateway::FieldErrors& errors) {
  return RequestMix::parse(json::array({{{"path", path}}}), "/requests", errors);
}

TEST(ZipfIdsTest, InlineRanksFollowTheLawForAFixedSeed) {
  gateway::FieldErrors errors;
  const auto mix = mixOf("/api/products/{zipf:1..500:s=1.1}", errors);
  ASSERT_TRUE(mix) << errors.text();
  gateway::Random random(2024);
  std::map<std::int64_t, int> counts;
  const int draws = 200000;
  gateway::Request request;
  for (int i = 0; i < draws; ++i) {
    mix->make(random, request);
    ASSERT_EQ(request.target.rfind("/api/products/", 0), 0u) << request.target;
    const std::int64_t id = std::stoll(request.target.substr(14));
    ASSERT_GE(id, 1);
    ASSERT_LE(id, 500);
    ++counts[id];
  }
  for (int k : {1, 2, 3, 10, 50}) {
    const double expected = draws * zipfShare(k, 500, 1.1);
    EXPECT_NEAR(counts[k], expected, 5 * std::sqrt(expected) + 0.01 * expected) << "rank " << k;
  }
  EXPECT_GT(counts[1], counts[2]);
  EXPECT_GT(counts[2], counts[10]);
}

TEST(ZipfIdsTest, AnOffsetRangeStartsItsRanksAtMin) {
  gateway::FieldErrors errors;
  const auto inline_ = mixOf("/p/{zipf:101..600}", errors);
  const auto field = RequestMix::parse(
      json::array({{{"path", "/p/{id}"}, {"params", {{"id", {{"dist", "zipf"}, {"n", 500}, {"min", 101}}}}}}}), "/r", errors);
  ASSERT_TRUE(inline_ && field) << errors.text();
  gateway::Random a(9), b(9);
  gateway::Request ra, rb;
  std::map<std::string, int> counts;
  for (int i = 0; i < 20000; ++i) {
    inline_->make(a, ra);
    field->make(b, rb);
    ASSERT_EQ(ra.target, rb.target) << "the two forms draw the same ids";
    const auto id = std::stoll(ra.target.substr(3));
    ASSERT_GE(id, 101);
    ASSERT_LE(id, 600);
    ++counts[ra.target];
  }
  const double expected = 20000 * zipfShare(1, 500, 1.0);
  EXPECT_NEAR(counts["/p/101"], expected, 5 * std::sqrt(expected));
}

TEST(ZipfIdsTest, UniformInlineAndMistakes) {
  gateway::FieldErrors errors;
  const auto uniform = mixOf("/u/{uniform:5..7}/x", errors);
  ASSERT_TRUE(uniform) << errors.text();
  gateway::Random random(1);
  gateway::Request r;
  std::map<std::string, int> seen;
  for (int i = 0; i < 300; ++i) {
    uniform->make(random, r);
    ++seen[r.target];
  }
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_TRUE(seen.count("/u/5/x") && seen.count("/u/7/x"));
  for (const char* bad : {"/p/{zipf:5..1}", "/p/{zipf:1..x}", "/p/{zipf:1..10:s=-1}", "/p/{zipf:1..10:q=1}",
                          "/p/{uniform:1..}", "/p/{zipf:1..2000000}"}) {
    gateway::FieldErrors e;
    EXPECT_FALSE(mixOf(bad, e)) << bad;
    EXPECT_NE(e.text().find("/requests/0/path: \"{"), std::string::npos) << e.text();
  }
}

TEST(ZipfIdsTest, ARunsGroupDrawsFromItsOwnStreamOfTheSeed) {
  // The targets a run sends, read from its trace: the law holds, the seed decides the sequence.
  const auto targets = [](std::uint64_t seed, const std::string& otherPath) {
    json doc = {{"name", "zipf"},
                {"seed", 1},
                {"duration_s", 20},
                {"gateway", testing::oneServiceGateway()},
                {"services", {{"svc", {{"model", {{"workers", 1000}, {"latency", 1}}}}}}},
                {"clients",
                 {{{"name", "shoppers"}, {"arrival", {{"rate", 1000}}}, {"requests", {{{"path", "/api/products/{zipf:1..500:s=1.1}"}}}}},
                  {{"name", "other"}, {"arrival", {{"rate", 50}}}, {"requests", {{{"path", otherPath}}}}}}}};
    const Scenario s = testing::mustLoad(doc);
    std::FILE* trace = std::tmpfile();
    RunOptions options;
    options.seed = seed;
    options.trace = trace;
    runScenario(s, options);
    std::rewind(trace);
    std::vector<std::string> out;
    char line[1024];
    while (std::fgets(line, sizeof line, trace)) {
      const std::string text(line);
      const auto at = text.find("/api/products/");
      if (at != std::string::npos) out.push_back(text.substr(at, text.find(',', at) - at));
    }
    std::fclose(trace);
    return out;
  };
  const auto first = targets(77, "/x");
  ASSERT_GT(first.size(), 15000u);
  const double share = static_cast<double>(std::count(first.begin(), first.end(), "/api/products/1")) / first.size();
  EXPECT_NEAR(share, zipfShare(1, 500, 1.1), 0.015);
  EXPECT_EQ(targets(77, "/y/{uniform:1..9}"), first) << "another group's draws do not change this group's";
  EXPECT_NE(targets(78, "/x"), first) << "another seed, another sequence";
}

}  // namespace
}  // namespace gwsim
