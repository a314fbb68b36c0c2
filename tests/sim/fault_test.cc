// FaultSpec parsing and FaultSet evaluation of the slow_body kind (Toxiproxy's bandwidth and
// slicer): its fields, their strict validation with JSON paths, and the pacing it implies.
#include <gtest/gtest.h>

#include "sim/model/fault.h"

namespace gwsim {
namespace {

using nlohmann::json;

std::optional<FaultSpec> parse(const json& value, gateway::FieldErrors& errors) {
  return FaultSpec::parse(value, "/faults/0", errors);
}

TEST(SlowBodyFault, ParsesItsFields) {
  gateway::FieldErrors errors;
  auto f = parse({{"kind", "slow_body"}, {"service", "users"}, {"instance", "users-1"}, {"at_s", 5}, {"for_s", 10},
                  {"bytes_per_s", 2000}, {"slice_bytes", 50}, {"body_bytes", 8000}, {"probability", 0.5}},
                 errors);
  ASSERT_TRUE(f) << errors.text();
  EXPECT_EQ(f->kind, FaultSpec::Kind::kSlowBody);
  EXPECT_EQ(toString(f->kind), "slow_body");
  EXPECT_EQ(f->bytesPerSecond, 2000u);
  EXPECT_EQ(f->sliceBytes, 50u);
  EXPECT_EQ(f->bodyBytes, 8000u);
  EXPECT_EQ(f->probability, 0.5);
  EXPECT_EQ(f->at, gateway::seconds(5));
  EXPECT_EQ(f->describe(), "slow_body 2000 B/s in 50 B slices (simulated body 8000 B) on users/users-1 5.000s-15.000s p=0.5");
}

TEST(SlowBodyFault, DefaultsSliceAndBodySize) {
  gateway::FieldErrors errors;
  auto f = parse({{"kind", "slow_body"}, {"bytes_per_s", 1000}}, errors);
  ASSERT_TRUE(f) << errors.text();
  EXPECT_EQ(f->sliceBytes, 0u);
  EXPECT_EQ(f->bodyBytes, FaultSpec::kDefaultBodyBytes);
  EXPECT_EQ(SlowBody::defaultSliceBytes(1000), 100u);   // ten slices a second
  EXPECT_EQ(SlowBody::defaultSliceBytes(5), 1u);        // at least a byte
  EXPECT_EQ(SlowBody::defaultSliceBytes(10'000'000), 16384u);
}

TEST(SlowBodyFault, BadFieldsAreReportedWithTheirPaths) {
  const std::vector<std::pair<json, std::vector<std::string>>> cases = {
      {{{"kind", "slow_body"}}, {"/faults/0/bytes_per_s: required field is missing"}},
      {{{"kind", "slow_body"}, {"bytes_per_s", 0}}, {"/faults/0/bytes_per_s: must be between 1 and 1000000000, got 0"}},
      {{{"kind", "slow_body"}, {"bytes_per_s", 1.5}}, {"/faults/0/bytes_per_s: expected an integer, got number"}},
      {{{"kind", "slow_body"}, {"bytes_per_s", "fast"}}, {"/faults/0/bytes_per_s: expected an integer, got string"}},
      {{{"kind", "slow_body"}, {"bytes_per_s", 10}, {"slice_bytes", 0}},
       {"/faults/0/slice_bytes: must be between 1 and 1048576, got 0"}},
      {{{"kind", "slow_body"}, {"bytes_per_s", 10}, {"body_bytes", -1}},
       {"/faults/0/body_bytes: must be between 0 and 1073741824, got -1"}},
      {{{"kind", "slow_body"}, {"bytes_per_s", 10}, {"latency_ms", 5}},
       {"/faults/0/latency_ms: only latency faults take latency_ms"}},
      {{{"kind", "slow_body"}, {"bytes_per_s", 10}, {"rate", 5}}, {"/faults/0/rate: unknown field"}},
      {{{"kind", "latency"}, {"latency_ms", 5}, {"bytes_per_s", 10}, {"slice_bytes", 2}, {"body_bytes", 3}},
       {"/faults/0/bytes_per_s: only slow_body faults take bytes_per_s",
        "/faults/0/slice_bytes: only slow_body faults take slice_bytes",
        "/faults/0/body_bytes: only slow_body faults take body_bytes"}},
      {{{"kind", "slow"}},
       {"/faults/0/kind: \"slow\" is not one of: latency, abort, reset, hang, down, flapping, capacity, slow_body"}},
  };
  for (const auto& [value, want] : cases) {
    gateway::FieldErrors errors;
    EXPECT_FALSE(parse(value, errors)) << value.dump();
    std::vector<std::string> got;
    for (const auto& e : errors.list()) got.push_back(e.str());
    EXPECT_EQ(got, want) << value.dump();
  }
}

TEST(SlowBodyFault, DurationIsBodyBytesOverTheRateRoundedUp) {
  const SlowBody body{1000, 0, 1024};
  EXPECT_EQ(body.slice(), 100u);
  EXPECT_EQ(body.duration(1024), gateway::millis(1024));
  EXPECT_EQ(body.duration(0), 0);
  EXPECT_EQ((SlowBody{3, 1, 0}.duration(1)), 333'334);  // never earlier than the rate allows
}

TEST(SlowBodyFault, TheSlowestActiveFaultWinsAndProbabilityApplies) {
  FaultSet set;
  gateway::FieldErrors errors;
  set.add(*parse({{"kind", "slow_body"}, {"service", "svc"}, {"bytes_per_s", 5000}}, errors));
  set.add(*parse({{"kind", "slow_body"}, {"service", "svc"}, {"bytes_per_s", 500}, {"at_s", 10}}, errors));
  set.add(*parse({{"kind", "slow_body"}, {"service", "other"}, {"bytes_per_s", 1}}, errors));
  ASSERT_TRUE(errors.empty()) << errors.text();
  gateway::Random random(1);
  FaultEffect early = set.evaluate("svc", "svc-1", gateway::seconds(1), random);
  ASSERT_TRUE(early.slowBody);
  EXPECT_TRUE(early.any());
  EXPECT_EQ(early.slowBody->bytesPerSecond, 5000u);
  FaultEffect late = set.evaluate("svc", "svc-1", gateway::seconds(11), random);
  ASSERT_TRUE(late.slowBody);
  EXPECT_EQ(late.slowBody->bytesPerSecond, 500u);
  EXPECT_FALSE(set.evaluate("third", "x", gateway::seconds(11), random).slowBody);

  FaultSet half;
  half.add(*parse({{"kind", "slow_body"}, {"bytes_per_s", 100}, {"probability", 0.5}}, errors));
  int slowed = 0;
  for (int i = 0; i < 2000; ++i) slowed += half.evaluate("svc", "svc-1", 0, random).slowBody ? 1 : 0;
  EXPECT_NEAR(slowed, 1000, 100);
}

}  // namespace
}  // namespace gwsim
