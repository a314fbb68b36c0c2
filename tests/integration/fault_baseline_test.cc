// One upstream failing under load, the other route unharmed, and nothing left behind:
// gatewayd in front of two mock-services processes, route /a (healthy) and route /b (the one
// that fails), both under keep-alive load while /b's upstream is killed, resets every
// connection (SO_LINGER 0), or hangs (the route timeout fires). Route /a answers 200
// throughout, gatewayd keeps running, and once the load stops and the (small) idle timeouts
// pass, its open file descriptors come back to within 2 of the count before any load and its
// RSS to within 10% or 2 MiB of the count after a warm-up. Waiting polls with deadlines.
#include <condition_variable>
#include <csignal>
#include <functional>
#include <mutex>
#include <thread>

#include "tests/integration/proc_stats.h"
#include "tests/integration/stack_test.h"

namespace gateway::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kClientsPerRoute = 4;
constexpr int kRequestsPerClient = 150;  // bounds each load phase
constexpr auto kPhase = std::chrono::milliseconds(1500);

// What one route's clients saw.
struct RouteTally {
  std::atomic<int> ok{0}, errorStatus{0}, noAnswer{0};
  std::mutex m;
  std::condition_variable cv;
  void count(const std::optional<HttpReply>& r) {
    if (!r) ++noAnswer;
    else if (r->status == 200) ++ok;
    else ++errorStatus;
    cv.notify_all();
  }
  // Waits (bounded) until `n` requests were answered 200.
  bool waitOk(int n) {
    std::unique_lock lock(m);
    return cv.wait_for(lock, std::chrono::seconds(5), [&] { return ok.load() >= n; });
  }
  int failures() const { return errorStatus.load() + noAnswer.load(); }
};

// A keep-alive client: requests `prefix`... until `until` or kRequestsPerClient; reconnects
// after a failure or a Connection: close.
void runLoad(const std::string& address, const std::string& prefix, Clock::time_point until, RouteTally& t) {
  std::unique_ptr<HttpConnection> c;
  for (int i = 0; i < kRequestsPerClient && Clock::now() < until; ++i) {
    std::string error;
    if (!c) c = HttpConnection::open(address, error);
    std::optional<HttpReply> r;
    if (c) r = c->request("GET", prefix + std::to_string(i), {}, {}, 3000ms);
    t.count(r);
    if (!r || r->header("Connection") == "close") c.reset();
  }
}

class FaultBaselineTest : public StackTest {
 protected:
  void SetUp() override {
    StackTest::SetUp();
    if (HasFatalFailure()) return;
    const json fast = {{"workers", 64}, {"queue", 1024}, {"latency", {{"kind", "constant"}, {"ms", 0.05}}}};
    const json bConfig = {{"seed", 9}, {"services", json::array({{{"name", "b"}, {"kind", "echo"}, {"spec", fast}}})}};
    std::string error;
    b_ = ChildProcess::start({mockServicesPath(), "--config", stack_.dir().write("mocks-b.json", bConfig.dump())},
                             stack_.dir().file("mocks-b.err"), error);
    ASSERT_TRUE(b_) << error;
    const auto line = b_->readLine(10s);
    ASSERT_TRUE(line) << b_->stderrText();
    bAddress_ = json::parse(*line)["services"]["b"][0]["address"].get<std::string>();
    const json config = {
        {"services", json::array({{{"name", "a"}, {"instances", json::array({stack_.mock("echo")})}},
                                  {{"name", "b"}, {"instances", json::array({bAddress_})}, {"connect_timeout_ms", 300}}})},
        {"routes", json::array({{{"name", "a"}, {"match", {{"prefix", "/a"}}}, {"service", "a"}, {"strip_prefix", true}},
                                {{"name", "b"},
                                 {"match", {{"prefix", "/b"}}},
                                 {"service", "b"},
                                 {"strip_prefix", true},
                                 // Short enough for the hang to answer 504s within a phase,
                                 // long enough for a loaded sanitizer run to stay healthy.
                                 {"timeout_ms", 400}}})}};
    startGateway(config, {"--threads", "2", "--idle-timeout-ms", "300", "--upstream-idle-timeout-ms", "300"});
    if (HasFatalFailure()) return;
    pid_ = stack_.gatewayProcess().pid();
    baselineFds_ = processOpenFds(pid_);
  }

  // Load on both routes for one phase; `fault` runs once /b has answered some requests.
  void loadBothRoutes(const std::function<void()>& fault) {
    const auto until = Clock::now() + kPhase;
    std::vector<std::thread> clients;
    for (int i = 0; i < kClientsPerRoute; ++i) {
      clients.emplace_back([&] { runLoad(stack_.gateway(), "/a/", until, a_); });
      clients.emplace_back([&] { runLoad(stack_.gateway(), "/b/", until, b_tally_); });
    }
    if (fault) {
      EXPECT_TRUE(b_tally_.waitOk(b_tally_.ok.load() + 20)) << "route /b never served before the fault";
      fault();
    }
    for (auto& th : clients) th.join();
  }

  // Polls (bounded) until gatewayd's fds are back within `margin` of the baseline.
  std::size_t settledFds(std::size_t margin) {
    std::size_t fds = processOpenFds(pid_);
    for (int i = 0; i < 200 && fds > baselineFds_ + margin; ++i) {
      // Each poll waits on a real request, which also gives the idle sweeps their time.
      fetch(stack_.admin(), "GET", "/stats");
      fds = processOpenFds(pid_);
      if (fds > baselineFds_ + margin) stack_.gatewayProcess().wait(20ms);  // returns early only on exit
    }
    return fds;
  }

  void runFaultCase(const char* name, const std::function<void()>& fault, const std::function<void()>& heal) {
    // Warm-up with a healthy /b, then the post-warm-up RSS baseline once idle connections closed.
    loadBothRoutes(nullptr);
    ASSERT_EQ(a_.failures() + b_tally_.failures(), 0) << "failures while healthy";
    const std::size_t warmFds = settledFds(2);
    const std::size_t baselineRss = static_cast<std::size_t>(processStatusKiB(pid_, "VmRSS"));
    const int aBefore = a_.ok.load();
    const int bOkBefore = b_tally_.ok.load();

    loadBothRoutes(fault);
    if (heal) heal();
    const int aServed = a_.ok.load() - aBefore;
    const int bOk = b_tally_.ok.load() - bOkBefore;
    ASSERT_TRUE(stack_.gatewayProcess().running()) << "gatewayd died: " << stack_.gatewayProcess().stderrText();
    const auto settleStart = Clock::now();
    const std::size_t fds = settledFds(2);
    const auto settleMs = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - settleStart).count();
    const std::size_t rss = static_cast<std::size_t>(processStatusKiB(pid_, "VmRSS"));
    std::printf("[%s] route a: %d answered 200, %d failed; route b: %d ok, %d error status, %d no answer; "
                "fds before load %zu, after warm-up %zu, after fault %zu (settled in %lld ms); RSS after warm-up %zu KiB, after fault %zu KiB\n",
                name, aServed, a_.failures(), bOk, b_tally_.errorStatus.load(), b_tally_.noAnswer.load(), baselineFds_,
                warmFds, fds, static_cast<long long>(settleMs), baselineRss, rss);
    EXPECT_EQ(a_.failures(), 0) << "the healthy route failed";
    EXPECT_GE(aServed, 50);
    EXPECT_GT(b_tally_.errorStatus.load(), 0) << "the fault never reached the clients";
    EXPECT_EQ(b_tally_.noAnswer.load(), 0) << "a client of the failing route got no answer at all";
    EXPECT_LE(fds, baselineFds_ + 2) << "file descriptors leaked";
    const std::size_t margin = std::max<std::size_t>(baselineRss / 10, 2048);
    if (kMemoryBoundsChecked) {
      EXPECT_LE(rss, baselineRss + margin) << "RSS did not come back";
    }
    // Still serving, both routes where the upstream is back.
    EXPECT_EQ(get("/a/after").status, 200);
  }

  std::unique_ptr<ChildProcess> b_;
  std::string bAddress_;
  pid_t pid_ = -1;
  std::size_t baselineFds_ = 0;
  RouteTally a_;
  RouteTally b_tally_;
};

TEST_F(FaultBaselineTest, UpstreamKilledMidLoad) {
  runFaultCase("killed", [&] { b_->signal(SIGKILL); }, nullptr);
  EXPECT_EQ(get("/b/after").status, 502);
}

TEST_F(FaultBaselineTest, UpstreamResettingConnections) {
  const auto post = [&](const json& f) {
    return fetch(bAddress_, "POST", "/_faults", {{"Content-Type", "application/json"}}, f.dump()).status;
  };
  runFaultCase("reset", [&] { EXPECT_EQ(post({{"kind", "reset"}, {"service", "b"}}), 201); },
               [&] { EXPECT_EQ(fetch(bAddress_, "DELETE", "/_faults").status, 200); });
  EXPECT_EQ(get("/b/after").status, 200);
}

TEST_F(FaultBaselineTest, UpstreamHanging) {
  const auto post = [&](const json& f) {
    return fetch(bAddress_, "POST", "/_faults", {{"Content-Type", "application/json"}}, f.dump()).status;
  };
  runFaultCase("hang", [&] { EXPECT_EQ(post({{"kind", "hang"}, {"service", "b"}}), 201); },
               [&] { EXPECT_EQ(fetch(bAddress_, "DELETE", "/_faults").status, 200); });
  EXPECT_EQ(get("/b/after").status, 200);
}

}  // namespace
}  // namespace gateway::testing
