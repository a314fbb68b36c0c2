// Streamed bodies through the Gateway: a stage that asks for a whole body (request/response
// BodyLimit) gets it collected from a BodyStream written in pieces from timers; over the limit
// the answer is 413 / 502, a failed stream 400 / 502; without a limit a streamed body passes
// through untouched. Also BodyStream itself: backpressure, abandonment, self-clearing listeners.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "libgateway/http/body_stream.h"
#include "test_support.h"

namespace gateway {
namespace {

using testing::GatewayHarness;
using testing::makeRequest;

std::shared_ptr<const Config> bodyConfig() {
  return testing::mustParse(R"({
    "services": [{"name": "svc", "instances": ["10.0.0.1:80"], "timeout_ms": 1000}],
    "routes": [{"name": "all", "match": {"prefix": "/"}, "service": "svc"}]
  })");
}

// Records what it saw; asks for whole bodies within the given limits (0: lets them flow).
class BodyStage final : public Stage {
 public:
  BodyStage(std::size_t requestLimit, std::size_t responseLimit, const Clock& clock)
      : requestLimit_(requestLimit), responseLimit_(responseLimit), clock_(clock) {}
  std::size_t requestBodyLimit(const Exchange&) const override { return requestLimit_; }
  std::size_t responseBodyLimit(const Exchange&) const override { return responseLimit_; }
  std::optional<Response> onRequest(Exchange& ex) override {
    requestBodies.push_back(ex.request.body);
    requestStreamed.push_back(ex.request.stream != nullptr);
    requestAt.push_back(clock_.now());
    return std::nullopt;
  }
  void onResponse(Exchange&, Response& r) override {
    responseBodies.push_back(r.body);
    responseStreamed.push_back(r.stream != nullptr);
  }
  std::vector<std::string> requestBodies, responseBodies;
  std::vector<bool> requestStreamed, responseStreamed;
  std::vector<TimePoint> requestAt;

 private:
  std::size_t requestLimit_, responseLimit_;
  const Clock& clock_;
};

struct Outcomes : ExchangeObserver {
  void onComplete(const Exchange& ex, const Response&) override { list.emplace_back(ex.outcome); }
  std::vector<std::string> list;
};

// Writes `pieces` one per millisecond from now, then ends the stream (or fails it with
// `failure`). Holds it weakly, as a real writer does.
void writeLater(GatewayHarness& h, const std::shared_ptr<BodyStream>& stream, std::vector<std::string> pieces,
                std::optional<std::string> failure = std::nullopt) {
  std::weak_ptr<BodyStream> weak = stream;
  TimePoint at = h.clock.now();
  for (auto& piece : pieces) {
    at += millis(1);
    h.scheduler.schedule(at, [weak, piece] { if (auto s = weak.lock()) s->write(piece); });
  }
  h.scheduler.schedule(at + millis(1), [weak, failure] {
    if (auto s = weak.lock()) failure ? s->fail(*failure) : s->end();
  });
}

std::string errorCode(const Response& r) { return nlohmann::json::parse(r.body)["error"]["code"]; }

class BodyCollection : public ::testing::Test {
 protected:
  // `outer` (no limits) first, then `inner` with the given limits.
  void install(std::size_t requestLimit, std::size_t responseLimit) {
    auto o = std::make_unique<BodyStage>(0, 0, h.clock);
    auto i = std::make_unique<BodyStage>(requestLimit, responseLimit, h.clock);
    outer = o.get();
    inner = i.get();
    h.gateway.addStage(std::move(o));
    h.gateway.addStage(std::move(i));
    h.gateway.setObserver(&outcomes);
  }
  std::shared_ptr<std::optional<Response>> startStreamed(std::shared_ptr<BodyStream> stream) {
    Request req = makeRequest("POST", "/upload");
    req.stream = std::move(stream);
    return h.start(std::move(req));
  }
  // Answers the pending send with a response whose body streams through `stream`.
  void respondStreamed(std::shared_ptr<BodyStream> stream) {
    UpstreamResult result;
    result.response.headers.set("Content-Type", "text/plain");
    result.response.stream = std::move(stream);
    h.transport.complete(std::move(result));
  }

  GatewayHarness h{bodyConfig()};
  const TimePoint t0 = h.clock.now();
  BodyStage* outer = nullptr;
  BodyStage* inner = nullptr;
  Outcomes outcomes;
};

TEST_F(BodyCollection, RequestStageSeesTheWholeBodyOfAStreamedRequest) {
  install(64, 0);
  auto stream = std::make_shared<BodyStream>(std::nullopt, 4);  // small: the collector must keep reading
  writeLater(h, stream, {"hel", "lo ", "wor", "ld"});
  auto res = startStreamed(std::move(stream));
  EXPECT_EQ(outer->requestBodies.size(), 1u) << "a stage without a limit runs at once";
  EXPECT_TRUE(outer->requestStreamed[0]);
  EXPECT_TRUE(inner->requestBodies.empty()) << "the body stage waits for the whole body";
  h.scheduler.runUntil(t0 + millis(10));
  ASSERT_EQ(inner->requestBodies, std::vector<std::string>{"hello world"});
  EXPECT_FALSE(inner->requestStreamed[0]);
  EXPECT_EQ(inner->requestAt[0], t0 + millis(5)) << "right after the end arrived";
  ASSERT_EQ(h.transport.sends.size(), 1u);
  EXPECT_EQ(h.transport.sends[0].request.body, "hello world");
  EXPECT_EQ(h.transport.sends[0].request.stream, nullptr);
  h.transport.respond(200, "stored");
  EXPECT_EQ((*res)->status, 200);
}

TEST_F(BodyCollection, RequestBodyOverTheLimitAnswers413BeforeTheStage) {
  install(8, 0);
  auto stream = std::make_shared<BodyStream>(std::nullopt);
  writeLater(h, stream, {"0123", "4567", "89"});
  auto res = startStreamed(std::move(stream));
  h.scheduler.runUntil(t0 + millis(10));
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->status, 413);
  EXPECT_EQ(errorCode(**res), "request_too_large");
  EXPECT_TRUE(inner->requestBodies.empty());
  EXPECT_TRUE(inner->responseBodies.empty()) << "the body stage never saw the request";
  EXPECT_EQ(outer->responseBodies.size(), 1u) << "the stage before it sees the 413";
  EXPECT_EQ(h.transport.total, 0u);
  EXPECT_EQ(outcomes.list, std::vector<std::string>{"request_too_large"});

  // A declared length over the limit is refused without reading a byte.
  auto declared = startStreamed(std::make_shared<BodyStream>(100));
  h.runDue();
  ASSERT_TRUE(declared->has_value());
  EXPECT_EQ((*declared)->status, 413);
  EXPECT_EQ(h.gateway.inFlight(), 0u);
}

TEST_F(BodyCollection, FailedRequestStreamAnswers400) {
  install(64, 0);
  auto stream = std::make_shared<BodyStream>(std::nullopt);
  writeLater(h, stream, {"partial"}, "client reset the connection");
  auto res = startStreamed(std::move(stream));
  h.scheduler.runUntil(t0 + millis(10));
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->status, 400);
  EXPECT_EQ(errorCode(**res), "request_body_error");
  EXPECT_NE((*res)->body.find("client reset the connection"), std::string::npos) << (*res)->body;
  EXPECT_EQ(h.transport.total, 0u);
}

TEST_F(BodyCollection, ResponseStageSeesTheWholeBodyOfAStreamedResponse) {
  install(0, 64);
  auto res = h.start(makeRequest("GET", "/doc"));
  auto stream = std::make_shared<BodyStream>(std::nullopt, 4);
  writeLater(h, stream, {"stre", "amed ", "answer"});
  respondStreamed(std::move(stream));
  EXPECT_FALSE(res->has_value());
  EXPECT_TRUE(inner->responseBodies.empty());
  h.scheduler.runUntil(t0 + millis(10));
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ(inner->responseBodies, std::vector<std::string>{"streamed answer"});
  EXPECT_EQ(inner->responseStreamed, std::vector<bool>{false});
  EXPECT_EQ(outer->responseBodies, std::vector<std::string>{"streamed answer"});
  EXPECT_EQ((*res)->status, 200);
  EXPECT_EQ((*res)->body, "streamed answer");
  EXPECT_EQ((*res)->stream, nullptr);
  EXPECT_EQ((*res)->headers.get("content-type"), "text/plain");
}

TEST_F(BodyCollection, ResponseBodyOverTheLimitAnswers502AndLetsTheUpstreamStreamGo) {
  install(0, 4);
  auto res = h.start(makeRequest("GET", "/big"));
  auto stream = std::make_shared<BodyStream>(std::nullopt);
  bool abandoned = false;
  stream->onAbandoned([&abandoned] { abandoned = true; });
  writeLater(h, stream, {"123", "456", "789"});
  respondStreamed(std::move(stream));
  h.scheduler.runUntil(t0 + millis(10));
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->status, 502);
  EXPECT_EQ(errorCode(**res), "response_too_large");
  ASSERT_EQ(inner->responseBodies.size(), 1u);
  EXPECT_NE(inner->responseBodies[0].find("response_too_large"), std::string::npos) << "stages see the 502";
  EXPECT_TRUE(abandoned) << "the upstream's writer hears that nobody reads any more";
  EXPECT_EQ(outcomes.list, std::vector<std::string>{"response_too_large"});
}

TEST_F(BodyCollection, FailedResponseStreamAnswers502) {
  install(0, 64);
  auto res = h.start(makeRequest("GET", "/doc"));
  auto stream = std::make_shared<BodyStream>(std::nullopt);
  writeLater(h, stream, {"half"}, "upstream closed mid-body");
  respondStreamed(std::move(stream));
  h.scheduler.runUntil(t0 + millis(10));
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->status, 502);
  EXPECT_EQ(errorCode(**res), "upstream_body_error");
  EXPECT_NE((*res)->body.find("upstream closed mid-body"), std::string::npos) << (*res)->body;
}

TEST_F(BodyCollection, WithoutALimitStreamedBodiesPassThroughUntouched) {
  install(0, 0);
  auto upload = std::make_shared<BodyStream>(std::nullopt);
  const BodyStream* uploadRaw = upload.get();
  auto res = startStreamed(std::move(upload));
  ASSERT_EQ(h.transport.sends.size(), 1u);
  EXPECT_EQ(h.transport.sends[0].request.stream.get(), uploadRaw) << "the request body streams on upstream";

  auto stream = std::make_shared<BodyStream>(std::nullopt, 8);
  const BodyStream* raw = stream.get();
  writeLater(h, stream, {"every ", "byte ", "arrives"});
  respondStreamed(std::move(stream));
  ASSERT_TRUE(res->has_value()) << "answered at once: nothing waits for the body";
  EXPECT_EQ((*res)->stream.get(), raw);
  EXPECT_TRUE((*res)->body.empty());
  EXPECT_EQ(inner->responseStreamed, std::vector<bool>{true});

  BodyStream& reader = *(*res)->stream;
  std::string got;
  reader.onReadable([&] {
    got += reader.data();
    reader.consume(reader.data().size());
  });
  h.scheduler.runUntil(t0 + millis(10));
  EXPECT_EQ(got, "every byte arrives");
  EXPECT_TRUE(reader.finished());
}

TEST(BodyStreamTest, WritableFiresOnlyAfterTheWriterFilledItAndTheReaderConsumed) {
  BodyStream s(std::nullopt, 8);
  int writable = 0;
  s.onWritable([&] { ++writable; });
  s.write("abcde");
  EXPECT_EQ(s.room(), 3u);
  s.consume(2);
  EXPECT_EQ(writable, 0) << "the writer never waited";
  s.write("fghijk");  // 9 buffered: full
  EXPECT_EQ(s.room(), 0u);
  EXPECT_EQ(s.data(), "cdefghijk");
  s.consume(1);  // 8 buffered: still full
  EXPECT_EQ(writable, 0);
  s.consume(3);
  EXPECT_EQ(writable, 1);
  EXPECT_EQ(s.room(), 3u);
  s.consume(2);
  EXPECT_EQ(writable, 1) << "once per wait";
  EXPECT_EQ(s.data(), "ijk");
  EXPECT_EQ(s.read(), 8u);
  EXPECT_EQ(s.written(), 11u);
}

TEST(BodyStreamTest, AbandonedOnlyWhenTheReaderLetsGoBeforeTheEnd) {
  int abandoned = 0;
  auto dropped = std::make_unique<BodyStream>(std::nullopt);
  dropped->onAbandoned([&] { ++abandoned; });
  dropped->write("x");
  dropped.reset();
  EXPECT_EQ(abandoned, 1);

  auto ended = std::make_unique<BodyStream>(std::nullopt);
  ended->onAbandoned([&] { ++abandoned; });
  ended->write("unread");
  ended->end();
  ended.reset();
  auto failed = std::make_unique<BodyStream>(std::nullopt);
  failed->onAbandoned([&] { ++abandoned; });
  failed->fail("gone");
  failed.reset();
  EXPECT_EQ(abandoned, 1) << "an ended or failed stream was not abandoned";
}

TEST(BodyStreamTest, AReadListenerMayClearOrReplaceItselfWhileRunning) {
  BodyStream s(std::nullopt);
  int once = 0;
  s.onReadable([&] {
    ++once;
    s.onReadable(nullptr);
  });
  s.write("a");
  s.write("b");
  EXPECT_EQ(once, 1);

  std::vector<std::string> calls;
  s.onReadable([&] {
    calls.push_back("first");
    s.onReadable([&] { calls.push_back("second"); });
  });
  s.write("c");
  s.write("d");
  s.end();
  EXPECT_EQ(calls, (std::vector<std::string>{"first", "second", "second"}));
  EXPECT_EQ(s.data(), "abcd");
}

}  // namespace
}  // namespace gateway
