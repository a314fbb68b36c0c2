// The UpstreamTransport contract, checked against both worlds' transports
// (libgateway/ARCHITECTURE.md, "The Env seam": one contract, two implementations): the real
// PooledTransport over loopback sockets and the simulator's SimTransport in virtual time.
// For each: an answer is a kResponse with the upstream's status, a refused connection is
// kConnectError, a silent upstream is kTimeout at the deadline, and `done` runs exactly
// once, never inside send().
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "libgateway/core/manual_time.h"
#include "libgateway/net/event_loop.h"
#include "libgateway/net/pooled_transport.h"
#include "libgateway/net/steady_clock.h"
#include "sim/engine/sim_transport.h"
#include "sim/scenario/scenario.h"
#include "tests/integration/scripted_upstream.h"
#include "tests/integration/stack_test.h"

namespace gateway::testing {
namespace {

// One world's transport and the three kinds of upstream the contract is checked against.
class TransportWorld {
 public:
  virtual ~TransportWorld() = default;
  virtual UpstreamTransport& transport() = 0;
  virtual TimePoint now() = 0;
  // Runs the world until `done()` holds, then `grace` longer (to see anything arriving late);
  // returns done(). Real time: at most 5 s in all. Called once per world.
  virtual bool runUntil(const std::function<bool()>& done, Duration grace) = 0;
  virtual Endpoint answering() = 0;  // answers 200 at once
  virtual Endpoint refusing() = 0;   // refuses connections
  virtual Endpoint silent() = 0;     // takes the request and never answers
};

// A loopback socket that completes connections in the kernel backlog and never reads.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    ::listen(fd_, 16);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
  }
  ~SilentListener() { ::close(fd_); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

class RealWorld final : public TransportWorld {
 public:
  RealWorld()
      : loop_(clock_),
        transport_(loop_, net::UpstreamOptions{}, stats_, [](std::string_view) { return seconds(2); }),
        upstream_({"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"}),
        answeringAddress_(upstream_.address()),
        refusingAddress_("127.0.0.1:" + std::to_string(unusedPort())),
        silentAddress_(silent_.address()) {}

  UpstreamTransport& transport() override { return transport_; }
  TimePoint now() override { return clock_.now(); }
  bool runUntil(const std::function<bool()>& done, Duration grace) override {
    const TimePoint limit = clock_.now() + seconds(5);
    doneAt_ = kNever;
    check_ = [this, done, grace, limit] {
      if (doneAt_ == kNever && done()) doneAt_ = clock_.now();
      if ((doneAt_ != kNever && clock_.now() >= doneAt_ + grace) || clock_.now() >= limit) {
        transport_.closeAll();
        loop_.stop();
        return;
      }
      loop_.scheduler().schedule(clock_.now() + millis(2), check_);
    };
    loop_.scheduler().schedule(clock_.now(), check_);
    loop_.run();  // once per world: a stopped loop does not run again
    return done();
  }
  Endpoint answering() override { return {"svc", "ok", answeringAddress_}; }
  Endpoint refusing() override { return {"svc", "down", refusingAddress_}; }
  Endpoint silent() override { return {"svc", "hang", silentAddress_}; }

 private:
  net::SteadyClock clock_;
  net::EventLoop loop_;
  net::UpstreamStats stats_;
  net::PooledTransport transport_;
  ScriptedUpstream upstream_;
  SilentListener silent_;
  std::string answeringAddress_, refusingAddress_, silentAddress_;
  std::function<void()> check_;  // runUntil's poll, rescheduled every 2 ms
  TimePoint doneAt_ = kNever;
};

class SimWorld final : public TransportWorld {
 public:
  SimWorld() {
    const nlohmann::json doc = {
        {"name", "transport-contract"},
        {"description", "Three instances of one service: one answers, one is down, one hangs."},
        {"seed", 5},
        {"duration_s", 60},
        {"gateway",
         {{"services",
           {{{"name", "svc"},
             {"instances",
              {{{"id", "ok"}, {"address", "10.0.0.1:80"}},
               {{"id", "down"}, {"address", "10.0.0.2:80"}},
               {{"id", "hang"}, {"address", "10.0.0.3:80"}}}}}}},
          {"routes", {{{"name", "r"}, {"match", {{"prefix", "/"}}}, {"service", "svc"}}}}}},
        {"services", {{"svc", {{"model", {{"workers", 4}, {"latency", {{"kind", "constant"}, {"ms", 1}}}}}}}}},
        // The transport alone is tested: this group (a scenario needs one) never runs.
        {"clients",
         {{{"name", "unused"}, {"count", 1}, {"arrival", {{"process", "constant"}, {"rate", 1}}},
           {"requests", {{{"path", "/"}}}}}}},
        {"faults",
         {{{"kind", "down"}, {"service", "svc"}, {"instance", "down"}, {"at_s", 0}},
          {{"kind", "hang"}, {"service", "svc"}, {"instance", "hang"}, {"at_s", 0}}}}};
    auto load = gwsim::loadScenarioJson(doc, ".");
    if (!load.ok()) {
      ADD_FAILURE() << load.errors.text();
      return;
    }
    scenario_ = std::move(*load.scenario);
    transport_ = std::make_unique<gwsim::SimTransport>(*scenario_, Random(9));  // loads the faults
    transport_->attach(clock_, scheduler_);
  }

  UpstreamTransport& transport() override { return *transport_; }
  TimePoint now() override { return clock_.now(); }
  bool runUntil(const std::function<bool()>& done, Duration grace) override {
    while (!done() && scheduler_.runNext()) {
    }
    if (done()) scheduler_.runUntil(clock_.now() + grace);
    return done();
  }
  Endpoint answering() override { return {"svc", "ok", "10.0.0.1:80"}; }
  Endpoint refusing() override { return {"svc", "down", "10.0.0.2:80"}; }
  Endpoint silent() override { return {"svc", "hang", "10.0.0.3:80"}; }

 private:
  ManualClock clock_{seconds(1)};
  ManualScheduler scheduler_{clock_};
  std::optional<gwsim::Scenario> scenario_;
  std::unique_ptr<gwsim::SimTransport> transport_;
};

using WorldFactory = std::function<std::unique_ptr<TransportWorld>()>;

// gtest's "GetParam() = ..." line: the world's name, not the factory's bytes.
void PrintTo(const std::pair<const char*, WorldFactory>& world, std::ostream* os) { *os << world.first << " world"; }

class TransportContractTest : public ::testing::TestWithParam<std::pair<const char*, WorldFactory>> {
 protected:
  void SetUp() override { world_ = GetParam().second(); }

  // Sends one GET and runs the world until its answer and 300 ms more (past the real world's
  // 100 ms deadline sweep); records how many times `done` ran and whether inside send().
  struct Outcome {
    std::optional<UpstreamResult> result;
    int calls = 0;
    bool inline_ = false;
    Duration took = 0;
  };
  const Outcome& sendOne(const Endpoint& endpoint, Duration timeout) {
    Outcome& out = outcome_;
    Request request;
    request.method = "GET";
    request.target = "/contract";
    request.headers.add("Host", endpoint.address);
    const TimePoint start = world_->now();
    bool sending = true;
    world_->transport().send(endpoint, std::move(request), start + timeout, [&](UpstreamResult r) {
      ++out.calls;
      out.inline_ = out.inline_ || sending;
      out.took = world_->now() - start;
      out.result = std::move(r);
    });
    sending = false;
    world_->runUntil([&] { return out.calls > 0; }, millis(300));
    return out;
  }

  std::unique_ptr<TransportWorld> world_;
  Outcome outcome_;  // the fixture's: `done` may (wrongly) run again after sendOne returns
};

TEST_P(TransportContractTest, AnAnswerIsAResponseWithItsStatus) {
  const Outcome& o = sendOne(world_->answering(), seconds(2));
  ASSERT_EQ(o.calls, 1);
  EXPECT_FALSE(o.inline_);
  ASSERT_TRUE(o.result);
  EXPECT_EQ(o.result->outcome, UpstreamOutcome::kResponse) << o.result->detail;
  EXPECT_EQ(o.result->response.status, 200);
}

TEST_P(TransportContractTest, ARefusedConnectionIsAConnectError) {
  const Outcome& o = sendOne(world_->refusing(), seconds(2));
  ASSERT_EQ(o.calls, 1);
  EXPECT_FALSE(o.inline_);
  ASSERT_TRUE(o.result);
  EXPECT_EQ(o.result->outcome, UpstreamOutcome::kConnectError) << o.result->detail;
  EXPECT_LT(o.took, seconds(2));  // long before the deadline
}

TEST_P(TransportContractTest, ASilentUpstreamTimesOutAtTheDeadlineOnce) {
  const Outcome& o = sendOne(world_->silent(), millis(200));
  ASSERT_EQ(o.calls, 1);  // and nothing more in the 300 ms after it
  EXPECT_FALSE(o.inline_);
  ASSERT_TRUE(o.result);
  EXPECT_EQ(o.result->outcome, UpstreamOutcome::kTimeout) << o.result->detail;
  EXPECT_GE(o.took, millis(200));
}

INSTANTIATE_TEST_SUITE_P(
    Worlds, TransportContractTest,
    ::testing::Values(std::make_pair("real", WorldFactory([] { return std::unique_ptr<TransportWorld>(new RealWorld()); })),
                      std::make_pair("simulated",
                                     WorldFactory([] { return std::unique_ptr<TransportWorld>(new SimWorld()); }))),
    [](const auto& info) { return std::string(info.param.first); });

}  // namespace
}  // namespace gateway::testing
