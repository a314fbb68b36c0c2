#include "tools/gwload/load_runner.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "libgateway/http/host_port.h"
#include "libgateway/net/event_loop.h"
#include "libgateway/net/pooled_transport.h"
#include "libgateway/net/steady_clock.h"

namespace gwload {

std::optional<Target> parseTarget(std::string_view url, std::string& error) {
  const std::string quoted = "\"" + std::string(url) + "\"";
  if (url.starts_with("https://")) {
    error = "URL " + quoted + ": https is not supported (gwload speaks plain HTTP/1.1; use http://)";
    return std::nullopt;
  }
  if (!url.starts_with("http://")) {
    error = "URL " + quoted + " must start with http:// (e.g. http://127.0.0.1:8080/)";
    return std::nullopt;
  }
  std::string_view rest = url.substr(7);
  const std::size_t slash = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, slash);
  std::string path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (const auto hash = path.find('#'); hash != std::string::npos) path.resize(hash);
  if (path.empty() || path[0] != '/') path.insert(0, "/");
  if (authority.empty()) {
    error = "URL " + quoted + " has no host";
    return std::nullopt;
  }
  if (authority.find('@') != std::string_view::npos) {
    error = "URL " + quoted + ": user info (user@host) is not supported; send an Authorization header with -H";
    return std::nullopt;
  }
  Target t;
  t.path = std::move(path);
  const bool bracketed = authority.front() == '[';
  const std::size_t close = bracketed ? authority.find(']') : 0;
  const std::size_t colon = authority.rfind(':');
  const bool hasPort = colon != std::string_view::npos && (!bracketed || colon > close);
  std::string why;
  if ((hasPort && colon == 0) || (bracketed && close <= 1)) {
    error = "URL " + quoted + " has no host";
    return std::nullopt;
  }
  if (hasPort) {
    if (!gateway::splitHostPort(authority, why)) {
      error = "URL " + quoted + ": " + why;
      return std::nullopt;
    }
    const std::string_view port = authority.substr(colon + 1);
    unsigned value = 0;
    for (char c : port) value = c >= '0' && c <= '9' && value < 100000 ? value * 10 + static_cast<unsigned>(c - '0') : 100000;
    if (port.empty() || value == 0 || value > 65535) {
      error = "URL " + quoted + ": port \"" + std::string(port) + "\" is not a number from 1 to 65535";
      return std::nullopt;
    }
    t.address = std::string(authority);
    t.host = value == 80 ? std::string(authority.substr(0, colon)) : std::string(authority);
  } else {
    t.address = std::string(authority) + ":80";
    t.host = std::string(authority);
  }
  return t;
}

namespace {

// Counters the progress line reads across threads (relaxed).
struct LiveCounters {
  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> completed{0};
  std::atomic<std::uint64_t> errors{0};
};

class ThreadRun {
 public:
  ThreadRun(const RunPlan& plan, int part, gateway::TimePoint start, LiveCounters& live)
      : plan_(plan),
        live_(live),
        loop_(clock_, gateway::millis(10)),
        transport_(loop_, options(plan.settings), stats_,
                   [t = timeoutOf(plan.settings)](std::string_view) { return t; }),
        schedule_(plan.settings.arrival, plan.settings.rate,
                  toMicros(plan.settings.warmupS + plan.settings.durationS), plan.settings.seed, part,
                  plan.settings.threads),
        start_(start),
        measureFrom_(start + toMicros(plan.settings.warmupS)),
        timeout_(timeoutOf(plan.settings)) {
    endpoint_ = gateway::Endpoint{"gwload", "target", plan_.target.address};
  }

  void run() {
    if (!schedule_.more()) return;
    loop_.scheduler().schedule(start_ + schedule_.next(), [this] { tick(); });
    loop_.run();
    result_.connectionsOpened = stats_.connectionsOpened.load(std::memory_order_relaxed);
  }

  LoadResult& result() { return result_; }

 private:
  static gateway::Duration toMicros(double seconds) { return static_cast<gateway::Duration>(seconds * 1e6); }
  static gateway::Duration timeoutOf(const RateSettings& s) { return static_cast<gateway::Duration>(s.timeoutMs * 1000); }

  static gateway::net::UpstreamOptions options(const RateSettings& s) {
    gateway::net::UpstreamOptions o;
    o.maxConnectionsPerInstance = s.connectionsMax;
    o.maxIdlePerInstance = s.connectionsMax;
    o.maxWaitingPerInstance = std::size_t{1} << 24;  // open loop: the wait is part of the latency
    o.maxResponseBodyBytes = 64 * 1024 * 1024;
    o.streamResponsesAbove = o.maxResponseBodyBytes;  // bodies are read whole
    return o;
  }

  // Sends what is due (at most a batch, so answers are read in between), then waits for the next.
  void tick() {
    const gateway::TimePoint now = clock_.now();
    int sent = 0;
    while (schedule_.more() && start_ + schedule_.next() <= now && sent < 512) {
      dispatch(start_ + schedule_.next());
      schedule_.advance();
      ++sent;
    }
    if (!schedule_.more()) {
      scheduleDone_ = true;
      return maybeFinish();
    }
    const gateway::TimePoint due = start_ + schedule_.next();
    loop_.scheduler().schedule(due <= now ? 0 : due, [this] { tick(); });
  }

  void dispatch(gateway::TimePoint intended) {
    gateway::Request request;
    request.method = plan_.settings.method;
    request.target = plan_.target.path;
    for (const auto& [name, value] : plan_.headers) request.headers.add(name, value);
    if (!request.headers.has("host")) request.headers.add("Host", plan_.target.host);
    request.body = plan_.body;
    const gateway::TimePoint dispatched = clock_.now();
    ++inflight_;
    live_.sent.fetch_add(1, std::memory_order_relaxed);
    transport_.send(endpoint_, std::move(request), dispatched + timeout_,
                    [this, intended, dispatched](gateway::UpstreamResult r) { onDone(intended, dispatched, r); });
  }

  void onDone(gateway::TimePoint intended, gateway::TimePoint dispatched, const gateway::UpstreamResult& r) {
    const gateway::TimePoint now = clock_.now();
    --inflight_;
    live_.completed.fetch_add(1, std::memory_order_relaxed);
    if (r.outcome != gateway::UpstreamOutcome::kResponse) live_.errors.fetch_add(1, std::memory_order_relaxed);
    if (intended >= measureFrom_) result_.record(intended, dispatched, now, r);
    maybeFinish();
  }

  void maybeFinish() {
    if (!scheduleDone_ || inflight_ != 0 || finished_) return;
    finished_ = true;
    result_.connectionsOpened = stats_.connectionsOpened.load(std::memory_order_relaxed);
    transport_.closeAll();
    loop_.stop();
  }

  const RunPlan& plan_;
  LiveCounters& live_;
  gateway::net::SteadyClock clock_;
  gateway::net::EventLoop loop_;
  gateway::net::UpstreamStats stats_;
  gateway::net::PooledTransport transport_;
  Schedule schedule_;
  gateway::Endpoint endpoint_;
  gateway::TimePoint start_;
  gateway::TimePoint measureFrom_;
  gateway::Duration timeout_;
  std::uint64_t inflight_ = 0;
  bool scheduleDone_ = false;
  bool finished_ = false;
  LoadResult result_;
};

// A line a second on `out` until stopped: elapsed, sent, completed, errors, in flight.
class ProgressLine {
 public:
  ProgressLine(std::ostream& out, const LiveCounters& live, double totalS)
      : thread_([this, &out, &live, totalS] { loop(out, live, totalS); }) {}
  ~ProgressLine() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  void loop(std::ostream& out, const LiveCounters& live, double totalS) {
    const auto begin = std::chrono::steady_clock::now();
    std::uint64_t lastSent = 0;
    std::unique_lock lock(mutex_);
    for (int second = 1;; ++second) {
      if (wake_.wait_until(lock, begin + std::chrono::seconds(second), [this] { return stop_; })) return;
      const std::uint64_t sent = live.sent.load(std::memory_order_relaxed);
      const std::uint64_t done = live.completed.load(std::memory_order_relaxed);
      out << fmt::format("gwload: {:>4} s of {:g} s  sent {} ({}/s)  completed {}  errors {}  in flight {}\n", second,
                         totalS, sent, sent - lastSent, done, live.errors.load(std::memory_order_relaxed),
                         sent - std::min(sent, done))
          << std::flush;
      lastSent = sent;
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace

Report runLoad(const RunPlan& plan) {
  const int parts = std::max(plan.settings.threads, 1);
  LiveCounters live;
  // Everything starts a little after the setup, on the same clock (steady, shared).
  const gateway::TimePoint start = gateway::net::SteadyClock::nowMicros() + gateway::millis(5);
  std::vector<std::unique_ptr<ThreadRun>> runs;
  for (int i = 0; i < parts; ++i) runs.push_back(std::make_unique<ThreadRun>(plan, i, start, live));
  {
    std::unique_ptr<ProgressLine> progress;
    if (plan.progress) {
      progress = std::make_unique<ProgressLine>(*plan.progress, live, plan.settings.warmupS + plan.settings.durationS);
    }
    std::vector<std::thread> threads;
    for (int i = 1; i < parts; ++i) threads.emplace_back([&runs, i] { runs[static_cast<std::size_t>(i)]->run(); });
    runs[0]->run();
    for (auto& t : threads) t.join();
  }
  Report report;
  report.settings = plan.settings;
  report.measureStart = start + static_cast<gateway::Duration>(plan.settings.warmupS * 1e6);
  for (auto& r : runs) report.result.merge(r->result());
  return report;
}

}  // namespace gwload
