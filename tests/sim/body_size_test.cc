// Body sizes of simulated services: fitJsonBody pads a JSON object to exactly the size asked
// (or trims it: the longest array's last elements, then the last members), always valid
// JSON, deterministic by salt; the size laws draw within their bounds; bad laws are reported
// at their JSON paths.
#include "sim/model/body_size.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "libgateway/core/random.h"
#include "sim/model/catalog.h"

namespace gwsim {
namespace {

using nlohmann::json;

json catalogDocument(const std::string& kind, const std::string& target) {
  gateway::Request request;
  request.target = target;
  return json::parse(Catalog(7).answer(kind, request).body);
}

TEST(BodyFitTest, PadsAnObjectToExactlyTheSizeKeepingItsFields) {
  const json product = catalogDocument("products", "/products/7");
  const std::size_t natural = product.dump().size();
  for (std::size_t target : {natural + 10, natural + 11, natural + 500, std::size_t{4096}, std::size_t{65536}}) {
    const std::string body = fitJsonBody(product, target, 99);
    EXPECT_EQ(body.size(), target) << "target " << target;
    const json parsed = json::parse(body);
    for (const auto& [key, value] : product.items()) EXPECT_EQ(parsed[key], value) << key;
    ASSERT_TRUE(parsed["_pad"].is_string());
    const std::string pad = parsed["_pad"];
    EXPECT_TRUE(std::all_of(pad.begin(), pad.end(), [](char c) { return c == ' ' || (c >= 'a' && c <= 'z'); }));
  }
  // An empty object's smallest member is one byte shorter (no comma).
  EXPECT_EQ(fitJsonBody(json::object(), 10, 1), "{}");
  EXPECT_EQ(fitJsonBody(json::object(), 11, 1), R"({"_pad":""})");
  // A gap under the smallest member stays: the natural body, a few bytes short.
  EXPECT_EQ(fitJsonBody(product, natural + 9, 99), product.dump());
}

TEST(BodyFitTest, TrimsTheLongestArrayThenMembersAndStaysValidJson) {
  const json users = catalogDocument("users", "/users?limit=50");
  ASSERT_EQ(users["users"].size(), 50u);
  const std::size_t natural = users.dump().size();
  for (std::size_t target : {natural - 1, natural / 2, std::size_t{1000}, std::size_t{200}, std::size_t{40}}) {
    const std::string body = fitJsonBody(users, target, 5);
    const json parsed = json::parse(body);  // throws on invalid JSON
    EXPECT_LE(body.size(), target) << "target " << target;
    EXPECT_GT(body.size() + 10, target) << "trimmed more than needed for " << target;
    // Users go from the end: what is left is the list's beginning.
    const auto& left = parsed.contains("users") ? parsed["users"] : json::array();
    for (std::size_t i = 0; i < left.size(); ++i) EXPECT_EQ(left[i], users["users"][i]);
    if (target >= 200) {
      EXPECT_TRUE(parsed.contains("total")) << body;  // members go only once the list is empty
    }
  }
  // Every trimmed body that leaves room is padded to the exact size.
  EXPECT_EQ(fitJsonBody(users, 1000, 5).size(), 1000u);
  // Nothing left to remove: the empty object.
  EXPECT_EQ(fitJsonBody(users, 1, 5), "{}");
}

TEST(BodyFitTest, IsDeterministicBySaltAndKeepsNonObjects) {
  const json product = catalogDocument("products", "/products/3");
  EXPECT_EQ(fitJsonBody(product, 3000, 42), fitJsonBody(product, 3000, 42));
  EXPECT_NE(fitJsonBody(product, 3000, 42), fitJsonBody(product, 3000, 43));
  EXPECT_EQ(fitJsonBody(json::array({1, 2, 3}), 1000, 1), "[1,2,3]");
  EXPECT_EQ(fitJsonBody(json("text"), 1000, 1), "\"text\"");
}

TEST(SizeDistributionTest, LawsDrawWithinTheirBounds) {
  gateway::FieldErrors errors;
  const auto fixed = SizeDistribution::parse(2048, "/b", errors);
  const auto uniform = SizeDistribution::parse(json{{"dist", "uniform"}, {"min", 500}, {"max", 600}}, "/b", errors);
  const auto lognormal = SizeDistribution::parse(json{{"dist", "lognormal"}, {"median", 2000}, {"p99", 20000}}, "/b", errors);
  ASSERT_TRUE(errors.empty()) << errors.text();
  ASSERT_TRUE(fixed && uniform && lognormal);
  gateway::Random random(11);
  std::vector<std::uint64_t> draws;
  std::uint64_t lo = UINT64_MAX, hi = 0;
  for (int i = 0; i < 20000; ++i) {
    EXPECT_EQ(fixed->sample(random), 2048u);
    const auto u = uniform->sample(random);
    lo = std::min(lo, u);
    hi = std::max(hi, u);
    draws.push_back(lognormal->sample(random));
  }
  EXPECT_EQ(lo, 500u);
  EXPECT_EQ(hi, 600u);
  std::sort(draws.begin(), draws.end());
  EXPECT_NEAR(static_cast<double>(draws[draws.size() / 2]), 2000, 100);
  EXPECT_NEAR(static_cast<double>(draws[draws.size() * 99 / 100]), 20000, 2500);
  EXPECT_EQ(fixed->describe(), "2048 bytes");
  EXPECT_EQ(uniform->describe(), "uniform 500-600 bytes");
}

TEST(SizeDistributionTest, BadLawsNameTheirPath) {
  const auto message = [](const json& value) {
    gateway::FieldErrors errors;
    EXPECT_FALSE(SizeDistribution::parse(value, "/services/svc/body_bytes", errors));
    return errors.text();
  };
  EXPECT_NE(message(-1).find("/services/svc/body_bytes: -1 is out of range"), std::string::npos);
  EXPECT_NE(message("big").find("/services/svc/body_bytes: expected a size in bytes"), std::string::npos);
  EXPECT_NE(message(json{{"dist", "uniform"}, {"min", 10}, {"max", 5}}).find("/services/svc/body_bytes/max: must not be less than min"),
            std::string::npos);
  EXPECT_NE(message(json{{"dist", "normal"}}).find("/services/svc/body_bytes/dist"), std::string::npos);
  EXPECT_NE(message(json{{"dist", "lognormal"}, {"median", 10}}).find("/services/svc/body_bytes/p99"), std::string::npos);
}

}  // namespace
}  // namespace gwsim
