#include "tools/gwdash/model/attach_source.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "tools/gwdash/model/admin_client.h"
#include "tools/gwdash/model/attach_feed.h"

namespace gwdash {

namespace {

using AttachWallClock = std::chrono::steady_clock;
constexpr auto kAttachRateWindow = std::chrono::seconds(2);
constexpr std::size_t kAttachMaxPending = 100'000;



// GET `target` expecting 200: the body, or nullopt with `error` naming the endpoint and why.
std::optional<std::string> attachGet(AdminClient& client, const std::string& target, std::string& error) {
  auto reply = client.get(target, error);
  if (!reply) return std::nullopt;
  if (reply->status == 200) return std::move(reply->body);
  std::string hint;
  if (reply->status == 401) hint = " (the admin API wants a token; gwdash --attach sends none)";
  if (reply->status == 404) hint = " (a gatewayd without this endpoint: older than gwdash?)";
  std::string body = reply->body.substr(0, 120);
  std::replace(body.begin(), body.end(), '\n', ' ');
  error = fmt::format("GET {}: status {}{}: {}", target, reply->status, hint, body);
  return std::nullopt;
}

}  // namespace

struct AttachSource::Event {
  enum class Kind { kReset, kConfig, kRecords, kSnapshot } kind = Kind::kSnapshot;
  std::shared_ptr<const gateway::Config> config;
  std::vector<RequestRecord> records;
  gateway::TimePoint now = 0;
  nlohmann::json policies;
};

struct AttachSource::Shared {
  std::mutex mutex;
  std::condition_variable wake;
  std::condition_variable published;  // after each round: its events (or its error) are in
  std::uint64_t rounds = 0;           // finished, each followed by `published`
  bool stopping = false;
  std::vector<Event> events;  // read, not yet delivered
  std::string error;                // the last round's failure; "" after a good round
  std::deque<AttachWallClock::time_point> snapshotTimes;  // within kAttachRateWindow
  std::uint64_t truncatedReads = 0;
  std::string url;
  std::chrono::milliseconds period{0};
};

class AttachSource::Poller {
 public:
  Poller(Shared& shared, std::unique_ptr<AdminClient> client, const AttachedStats& stats, std::uint64_t version,
         AttachOptions options)
      : shared_(shared), client_(std::move(client)), options_(options), version_(version), uptime_(stats.uptimeSeconds) {
    thread_ = std::thread([this] { run(); });
  }
  ~Poller() {
    {
      std::lock_guard lock(shared_.mutex);
      shared_.stopping = true;
    }
    shared_.wake.notify_all();
    client_->stop();
    thread_.join();
  }

 private:
  void run() {
    std::unique_lock lock(shared_.mutex);
    while (!shared_.stopping) {
      lock.unlock();
      round();
      lock.lock();
      ++shared_.rounds;
      shared_.published.notify_all();
      shared_.wake.wait_for(lock, options_.period, [this] { return shared_.stopping; });
    }
  }

  // A restarted gatewayd: its clock and ids start again, so the panels start again.
  void restarted() {
    resetNext_ = true;
    version_ = 0;
    after_ = 0;
    pending_.clear();
  }

  void round() {
    std::vector<Event> out;
    std::string error;
    bool truncated = false;
    std::optional<AttachedStats> stats;
    if (auto body = attachGet(*client_, "/stats", error)) stats = parseAttachedStats(*body, error);
    if (stats) {
      if (stats->uptimeSeconds < uptime_) restarted();
      uptime_ = stats->uptimeSeconds;
      if (stats->configVersion != version_) {
        std::optional<AttachedConfig> config;
        if (auto body = attachGet(*client_, "/config", error)) config = parseAttachedConfig(*body, error);
        if (config) {
          version_ = config->version;
          Event e;
          e.kind = resetNext_ ? Event::Kind::kReset : Event::Kind::kConfig;
          e.config = std::move(config->config);
          out.push_back(std::move(e));
          resetNext_ = false;
        } else {
          stats.reset();
        }
      }
    }
    if (stats && !resetNext_) {
      std::optional<AttachedRequests> recent;
      if (auto body = attachGet(*client_, fmt::format("/requests/recent?after={}", after_), error)) {
        recent = parseAttachedRequests(*body, error);
      }
      if (!recent) {
        stats.reset();
      } else if (recent->lastId < after_) {
        restarted();  // the next round reads the config and resets
        stats.reset();
      } else {
        after_ = recent->lastId;
        truncated = recent->truncated;
        for (auto& r : recent->records) {
          if (pending_.size() < kAttachMaxPending) pending_.push_back(std::move(r));
        }
        // Records up to the snapshot's time go before it; later ones wait for the next one.
        Event records;
        records.kind = Event::Kind::kRecords;
        const gateway::TimePoint now = stats->now;
        auto later = std::stable_partition(pending_.begin(), pending_.end(), [now](const RequestRecord& r) { return r.end <= now; });
        records.records.assign(std::make_move_iterator(pending_.begin()), std::make_move_iterator(later));
        pending_.erase(pending_.begin(), later);
        if (!records.records.empty()) out.push_back(std::move(records));
        Event snapshot;
        snapshot.kind = Event::Kind::kSnapshot;
        snapshot.now = now;
        snapshot.policies = std::move(stats->policies);
        out.push_back(std::move(snapshot));
      }
    }
    std::lock_guard lock(shared_.mutex);
    for (auto& e : out) shared_.events.push_back(std::move(e));
    if (!stats) {
      shared_.error = error.empty() ? std::string("gatewayd restarted: reading it again") : error;
      return;
    }
    shared_.error.clear();
    if (truncated) ++shared_.truncatedReads;
    const auto wall = AttachWallClock::now();
    shared_.snapshotTimes.push_back(wall);
    while (!shared_.snapshotTimes.empty() && shared_.snapshotTimes.front() < wall - kAttachRateWindow) {
      shared_.snapshotTimes.pop_front();
    }
  }

  Shared& shared_;
  std::unique_ptr<AdminClient> client_;
  const AttachOptions options_;
  // The poller's thread only:
  std::uint64_t version_ = 0;  // of the config delivered last
  double uptime_ = 0;
  std::uint64_t after_ = 0;    // the last request id read
  bool resetNext_ = false;     // the next config read resets the listeners
  std::vector<RequestRecord> pending_;  // read, completed after the last snapshot's time
  std::thread thread_;         // last: started once the rest is set
};

std::unique_ptr<AttachSource> AttachSource::connect(const std::string& url, std::string& error) {
  return connect(url, error, AttachOptions{});
}

std::unique_ptr<AttachSource> AttachSource::connect(const std::string& url, std::string& error,
                                                    const AttachOptions& options) {
  AdminUrl address;
  if (!parseAdminUrl(url, address, error)) return nullptr;
  auto client = std::make_unique<AdminClient>(address, options.timeout);
  std::string why;
  std::optional<AttachedStats> stats;
  if (auto body = attachGet(*client, "/stats", why)) stats = parseAttachedStats(*body, why);
  std::optional<AttachedConfig> config;
  if (stats) {
    if (auto body = attachGet(*client, "/config", why)) config = parseAttachedConfig(*body, why);
  }
  if (!config) {
    error = fmt::format("cannot attach to {}: {}", url, why);
    return nullptr;
  }
  std::unique_ptr<AttachSource> source(new AttachSource());
  source->shared_ = std::make_unique<Shared>();
  source->shared_->url = url;
  source->shared_->period = options.period;
  source->context_.config = config->config;
  source->context_.title = url;
  source->context_.lesson = fmt::format("Attached to gatewayd at {}: its live traffic and policy state.", url);
  source->now_ = stats->now;
  source->poller_ = std::make_unique<Poller>(*source->shared_, std::move(client), *stats, config->version, options);
  return source;
}

AttachSource::~AttachSource() { poller_.reset(); }

void AttachSource::addListener(DashboardListener* listener) {
  listeners_.push_back(listener);
  listener->reset(context_);
}

void AttachSource::poll() {
  std::vector<Event> events;
  {
    std::unique_lock lock(shared_->mutex, std::try_to_lock);
    if (!lock.owns_lock()) return;  // the poller is publishing: next frame
    events.swap(shared_->events);
  }
  for (auto& e : events) {
    switch (e.kind) {
      case Event::Kind::kReset:
        context_.config = std::move(e.config);
        for (auto* l : listeners_) l->reset(context_);
        break;
      case Event::Kind::kConfig:
        context_.config = std::move(e.config);
        for (auto* l : listeners_) l->onConfig(context_);
        break;
      case Event::Kind::kRecords:
        for (const auto& r : e.records) {
          for (auto* l : listeners_) l->onRequest(r);
        }
        records_ += e.records.size();
        break;
      case Event::Kind::kSnapshot:
        now_ = e.now;
        for (auto* l : listeners_) l->onSnapshot(e.now, e.policies);
        ++snapshots_;
        break;
    }
  }
}

bool AttachSource::waitForRound(std::chrono::milliseconds timeout) {
  std::unique_lock lock(shared_->mutex);
  const std::uint64_t seen = shared_->rounds;
  return shared_->published.wait_for(lock, timeout,
                                     [&] { return !shared_->events.empty() || shared_->rounds != seen; });
}

gateway::TimePoint AttachSource::now() const { return now_; }

const DashboardContext& AttachSource::context() const { return context_; }

std::string AttachSource::status() const {
  std::lock_guard lock(shared_->mutex);
  if (!shared_->error.empty()) {
    return fmt::format("{}: {} (retrying every {} ms)", shared_->url, shared_->error, shared_->period.count());
  }
  if (shared_->snapshotTimes.empty()) return fmt::format("{}: connecting", shared_->url);
  const auto wall = AttachWallClock::now();
  std::size_t recent = 0;
  for (const auto& t : shared_->snapshotTimes) recent += t >= wall - kAttachRateWindow ? 1 : 0;
  const auto ago = std::chrono::duration_cast<std::chrono::milliseconds>(wall - shared_->snapshotTimes.back()).count();
  std::string text = fmt::format("connected: {:g} snapshots/s, last {} ms ago", recent / 2.0, ago);
  if (shared_->truncatedReads > 0) {
    text += fmt::format(" ({} reads missed requests: more than {} per worker between two reads)",
                        shared_->truncatedReads, 1024);
  }
  return text;
}

}  // namespace gwdash
