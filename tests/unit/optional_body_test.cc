// A stage that asks for whole response bodies but can do without them
// (Stage::responseBodyRequired false): a longer body passes it still streamed, every byte in
// order, whether the length was declared (nothing read) or found out on the way (the bytes
// already read are put back in front); a stage that requires the body still gets a 502.
#include <gtest/gtest.h>

#include "libgateway/http/body_stream.h"
#include "libgateway/pipeline/body_splice.h"
#include "test_support.h"

namespace gateway {
namespace {

using testing::GatewayHarness;
using testing::makeRequest;

std::shared_ptr<const Config> optionalBodyConfig() {
  return testing::mustParse(R"({
    "services": [{"name": "svc", "instances": ["10.0.0.1:80"], "timeout_ms": 1000}],
    "routes": [{"name": "all", "match": {"prefix": "/"}, "service": "svc"}]
  })");
}

class OptionalBodyStage final : public Stage {
 public:
  OptionalBodyStage(std::size_t limit, bool required) : Stage(kResponse), limit_(limit), required_(required) {}
  std::size_t responseBodyLimit(const Exchange&) const override { return limit_; }
  bool responseBodyRequired(const Exchange&) const override { return required_; }
  void onResponse(Exchange&, Response& r) override {
    seenBodies.push_back(r.body);
    seenStreamed.push_back(r.stream != nullptr);
  }
  std::vector<std::string> seenBodies;
  std::vector<bool> seenStreamed;

 private:
  std::size_t limit_;
  bool required_;
};

// Reads a stream to its end as a client writer would: whatever is there, whenever told.
std::string drainAll(GatewayHarness& h, const std::shared_ptr<BodyStream>& stream, TimePoint until) {
  std::string out;
  auto take = [&] {
    out.append(stream->data());
    stream->consume(stream->data().size());
  };
  stream->onReadable(take);
  take();
  h.scheduler.runUntil(until);
  take();
  return out;
}

void writeEvery(GatewayHarness& h, const std::shared_ptr<BodyStream>& stream, const std::vector<std::string>& pieces) {
  std::weak_ptr<BodyStream> weak = stream;
  TimePoint at = h.clock.now();
  for (const auto& piece : pieces) {
    at += millis(1);
    h.scheduler.schedule(at, [weak, piece] { if (auto s = weak.lock()) s->write(piece); });
  }
  h.scheduler.schedule(at + millis(1), [weak] { if (auto s = weak.lock()) s->end(); });
}

struct OptionalBody : ::testing::Test {
  std::shared_ptr<std::optional<Response>> run(std::shared_ptr<BodyStream> body) {
    auto res = h.start(makeRequest("GET", "/big"));
    UpstreamResult result;
    result.response.headers.set("Content-Type", "text/plain");
    result.response.stream = std::move(body);
    h.transport.complete(std::move(result));
    return res;
  }
  GatewayHarness h{optionalBodyConfig()};
};

TEST_F(OptionalBody, UndeclaredLongerBodyGoesOnWithTheReadBytesInFront) {
  auto* stage = new OptionalBodyStage(8, false);
  h.gateway.addStage(std::unique_ptr<Stage>(stage));
  auto upstream = std::make_shared<BodyStream>(std::nullopt, 4);
  writeEvery(h, upstream, {"0123", "4567", "89ab", "cdef", "ghij"});
  auto res = run(upstream);
  h.scheduler.runUntil(h.clock.now() + millis(4));
  ASSERT_TRUE(res->has_value()) << "answered once the body outgrew the limit";
  ASSERT_EQ(stage->seenStreamed, std::vector<bool>{true});
  EXPECT_EQ(stage->seenBodies[0], "");
  EXPECT_EQ((*res)->status, 200);
  ASSERT_NE((*res)->stream, nullptr);
  EXPECT_EQ(drainAll(h, (*res)->stream, h.clock.now() + millis(20)), "0123456789abcdefghij");
  EXPECT_TRUE((*res)->stream->finished());
}

TEST_F(OptionalBody, DeclaredLongerBodyIsPassedOnUnread) {
  auto* stage = new OptionalBodyStage(8, false);
  h.gateway.addStage(std::unique_ptr<Stage>(stage));
  auto upstream = std::make_shared<BodyStream>(20);
  writeEvery(h, upstream, {"0123456789", "abcdefghij"});
  auto res = run(upstream);
  h.scheduler.runUntil(h.clock.now());
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->stream, upstream) << "nothing was read: the upstream's own stream goes on";
  EXPECT_EQ(drainAll(h, (*res)->stream, h.clock.now() + millis(10)), "0123456789abcdefghij");
}

TEST_F(OptionalBody, ShorterBodyIsStillCollectedWhole) {
  auto* stage = new OptionalBodyStage(64, false);
  h.gateway.addStage(std::unique_ptr<Stage>(stage));
  auto upstream = std::make_shared<BodyStream>(std::nullopt);
  writeEvery(h, upstream, {"short ", "body"});
  auto res = run(upstream);
  h.scheduler.runUntil(h.clock.now() + millis(10));
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->body, "short body");
  EXPECT_EQ((*res)->stream, nullptr);
  EXPECT_EQ(stage->seenStreamed, std::vector<bool>{false});
}

TEST_F(OptionalBody, OneStageThatRequiresTheBodyMakesItA502) {
  h.gateway.addStage(std::make_unique<OptionalBodyStage>(8, false));
  h.gateway.addStage(std::make_unique<OptionalBodyStage>(4, true));
  auto upstream = std::make_shared<BodyStream>(std::nullopt);
  writeEvery(h, upstream, {"0123", "4567", "89ab"});
  auto res = run(upstream);
  h.scheduler.runUntil(h.clock.now() + millis(10));
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->status, 502);
}

TEST(BodySplice, DroppingTheSplicedStreamAbandonsTheRest) {
  auto rest = std::make_shared<BodyStream>(std::nullopt, 4);
  bool abandoned = false;
  rest->onAbandoned([&] { abandoned = true; });
  std::weak_ptr<BodyStream> weakRest = rest;
  auto spliced = spliceBody("head", std::move(rest));
  if (auto r = weakRest.lock()) r->write("tail");
  EXPECT_EQ(spliced->data(), "head") << "the prefix fills the spliced stream's room first";
  spliced->consume(4);
  EXPECT_EQ(spliced->data(), "tail") << "room made: the pump moves the rest";
  spliced.reset();
  EXPECT_TRUE(abandoned);
  EXPECT_TRUE(weakRest.expired());
}

}  // namespace
}  // namespace gateway
