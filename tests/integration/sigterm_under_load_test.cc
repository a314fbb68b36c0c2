// SIGTERM under load: 32 keep-alive clients (a quarter of them pipelining two requests at a
// time, four of them fast, so their connections are often idle for a moment) keep requests
// in flight to an upstream that answers after 0-150 ms; SIGTERM arrives while many are in
// flight. Every request whose bytes were fully written before the signal
// is answered 200 (the connection's last answer says Connection: close), none is lost or
// reset, new connections are refused, and gatewayd exits 0 well within its drain timeout.
// Requests written after the signal are counted apart: gatewayd no longer reads them, so
// they get no answer (never an error status); the client learns it from the Connection:
// close on the answer before, or from the close of a connection that was idle.
#include <atomic>
#include <csignal>
#include <thread>
#include <vector>

#include "tests/integration/stack_test.h"

namespace gateway::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kClients = 32;
constexpr int kMaxRounds = 2000;  // per client; the signal comes long before
constexpr auto kDrainTimeout = std::chrono::milliseconds(5000);

struct Tally {
  std::atomic<int> sentBefore{0}, answeredBefore{0}, okBefore{0}, lostBefore{0};
  std::atomic<int> sentAfter{0}, answeredAfter{0}, okAfter{0}, unansweredAfter{0};
  std::atomic<int> answeredTotal{0};
  std::atomic<int> closeMarked{0};       // answers that carried Connection: close
  std::atomic<int> answeredAfterClose{0};  // answers read after one marked close: must be 0
};

// 0-150 ms, varied so that at any moment some connections wait on the upstream and others
// are between two requests (the keep-alive race with the drain).
// Every eighth client is fast (0 or 2 ms), so its connection is often idle for a moment.
int delayMs(int client, int request) {
  if (client % 8 == 7) return request % 2 * 2;
  return (client * 7 + request * 13) % 16 * 10;
}

// One client: rounds of `depth` pipelined requests, each round's answers read before the
// next, until an answer says Connection: close or the connection ends.
void runClient(const std::string& address, int index, int depth, const std::atomic<bool>& signalled, Tally& t) {
  std::string error;
  auto c = HttpConnection::open(address, error);
  if (!c) {
    ++t.lostBefore;  // cannot happen before the signal: every client connects first
    return;
  }
  for (int round = 0; round < kMaxRounds; ++round) {
    std::string batch;
    for (int k = 0; k < depth; ++k) {
      batch += buildRequest("GET", "/echo/c" + std::to_string(index) + "-" + std::to_string(round * depth + k),
                            address, {{"x-fault-delay-ms", std::to_string(delayMs(index, round * depth + k))}});
    }
    const bool wrote = c->send(batch);
    // Read after the write returned: false means the bytes were all written before kill().
    const bool before = wrote && !signalled.load();
    (before ? t.sentBefore : t.sentAfter) += depth;
    bool closed = false;
    for (int k = 0; k < depth; ++k) {
      auto r = closed ? std::nullopt : c->read(5000ms);
      if (!r) {
        closed = true;
        ++(before ? t.lostBefore : t.unansweredAfter);
        continue;
      }
      ++t.answeredTotal;
      ++(before ? t.answeredBefore : t.answeredAfter);
      if (r->status == 200) ++(before ? t.okBefore : t.okAfter);
      if (r->header("Connection") == "close") {
        ++t.closeMarked;
        closed = true;
        // Nothing may follow an answer marked close.
        if (c->read(500ms)) ++t.answeredAfterClose;
      }
    }
    if (closed) return;
  }
}

class SigtermUnderLoadTest : public StackTest {};

TEST_F(SigtermUnderLoadTest, EveryRequestWrittenBeforeTheSignalIsAnswered) {
  startGateway(standardGateway(), {"--threads", "2", "--drain-timeout-ms", std::to_string(kDrainTimeout.count())});
  Tally t;
  std::atomic<bool> signalled{false};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    const int depth = i % 4 == 0 ? 2 : 1;
    clients.emplace_back([&, i, depth] { runClient(stack_.gateway(), i, depth, signalled, t); });
  }
  // Let every client get a few rounds done, then wait for a moment with many in flight
  // (polling /stats, bounded by a deadline).
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  std::int64_t inFlight = 0;
  while (Clock::now() < deadline) {
    const json s = json::parse(fetch(stack_.admin(), "GET", "/stats").body, nullptr, false);
    inFlight = s.is_object() ? s["requests"]["in_flight"].get<std::int64_t>() : 0;
    if (t.answeredTotal.load() >= kClients * 10 && inFlight >= kClients / 4) break;
  }
  ASSERT_GE(inFlight, kClients / 4) << "the load never had many requests in flight";

  signalled.store(true);
  const auto signalAt = Clock::now();
  stack_.gatewayProcess().signal(SIGTERM);
  const auto exitCode = stack_.gatewayProcess().wait(kDrainTimeout + 2000ms);
  const auto exitAfter = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - signalAt);
  for (auto& th : clients) th.join();
  std::string error;
  const bool refused = !HttpConnection::open(stack_.gateway(), error);

  std::printf("[sigterm] in flight at the signal %lld; sent %d before SIGTERM, answered %d (200: %d), lost %d; "
              "sent %d after, answered %d, unanswered %d; answers marked close %d; exit %d after %lld ms\n",
              static_cast<long long>(inFlight), t.sentBefore.load(), t.answeredBefore.load(), t.okBefore.load(),
              t.lostBefore.load(), t.sentAfter.load(), t.answeredAfter.load(), t.unansweredAfter.load(),
              t.closeMarked.load(), exitCode.value_or(-1), static_cast<long long>(exitAfter.count()));

  EXPECT_EQ(exitCode, std::optional<int>(0)) << stack_.gatewayProcess().stderrText();
  EXPECT_LT(exitAfter, kDrainTimeout) << "the drain ran into its timeout";
  EXPECT_EQ(stack_.gatewayProcess().stderrText().find("drain timeout"), std::string::npos);
  EXPECT_GE(t.sentBefore.load(), kClients * 10);
  EXPECT_EQ(t.lostBefore.load(), 0);
  EXPECT_EQ(t.answeredBefore.load(), t.sentBefore.load());
  EXPECT_EQ(t.okBefore.load(), t.sentBefore.load()) << "a request accepted before the signal got an error status";
  EXPECT_EQ(t.okAfter.load(), t.answeredAfter.load()) << "a late request got an error status";
  EXPECT_EQ(t.answeredAfterClose.load(), 0);
  EXPECT_LE(t.closeMarked.load(), kClients);
  EXPECT_TRUE(refused) << "still accepting after SIGTERM";
}

}  // namespace
}  // namespace gateway::testing
