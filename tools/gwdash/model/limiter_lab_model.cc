#include "tools/gwdash/model/limiter_lab_model.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include <fmt/format.h>

#include "sim/engine/arrival.h"
#include "sim/scenario/scenario.h"

namespace gwdash {

namespace {

const gateway::RateLimitPolicy* labFirstPolicy(const std::map<std::string, gateway::RateLimitPolicy>& policies) {
  for (const auto& [name, policy] : policies) {
    if (policy.spec.algorithm != gateway::LimiterAlgorithm::kConcurrency && policy.spec.quota() > 0 &&
        policy.spec.quotaWindow() > 0) {
      return &policy;
    }
  }
  return nullptr;
}

// FNV-1a, 64 bits: a stable hash of the digest's text.
std::uint64_t labFnv(const std::string& text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string labSeconds(gateway::Duration d) {
  std::string s = fmt::format("{:.3f}", static_cast<double>(d) / static_cast<double>(gateway::kSecond));
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s + " s";
}

std::int64_t labCounter(const nlohmann::json& store, const char* field) {
  const auto it = store.find(field);
  return it != store.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

// Why an algorithm lets more than its limit through in a window.
std::string_view labWhyOver(std::string_view algorithm) {
  if (algorithm == "fixed_window") return ": a full window on each side of a boundary";
  if (algorithm == "token_bucket" || algorithm == "gcra") return ": a full burst plus what refills in the window";
  if (algorithm == "sliding_counter") return ": its estimate takes the previous window's traffic as even";
  if (algorithm == "concurrency") return ": it limits requests in flight, not a rate";
  return "";
}

}  // namespace

LabReference labReference(const gateway::Config* config) {
  LabReference ref;
  if (config == nullptr) return ref;
  const gateway::RateLimitPolicy* policy = labFirstPolicy(config->rateLimits.tiers);
  std::string kind = "tier:";
  if (policy == nullptr) {
    policy = labFirstPolicy(config->rateLimits.policies);
    kind = "policy:";
  }
  if (policy == nullptr) return ref;
  ref.limit = policy->spec.quota();
  ref.window = policy->spec.quotaWindow();
  ref.source = fmt::format("{}{} ({})", kind, policy->name, gateway::toString(policy->spec.algorithm));
  ref.oneKey = policy->key == gateway::LimitKey::kRoute;
  return ref;
}

LimiterLabModel::LimiterLabModel() { rebuild(); }

void LimiterLabModel::rebuild() {
  limiters_ = makeLabLimiters(reference_.limit, reference_.window, kHold);
  inWindow_.assign(limiters_.size(), {});
  clientKeys_.clear();
  if (lanes_.size() != limiters_.size()) lanes_.assign(limiters_.size(), {});
  for (std::size_t i = 0; i < limiters_.size(); ++i) {
    lanes_[i].algorithm = std::string(limiters_[i]->algorithm());
    lanes_[i].parameters = limiters_[i]->parameters();
  }
}

void LimiterLabModel::reset(const DashboardContext& context) {
  context_ = context;
  reference_ = labReference(context.config.get());
  lanes_.clear();
  stores_.clear();
  lastSnapshot_.reset();
  clientKeys_.clear();
  keyIds_.clear();
  keyNames_.clear();
  keyArrivals_.clear();
  watched_.clear();
  hottest_ = LabLimiter::kNoKey;
  hottestArrivals_ = 0;
  arrivals_ = 0;
  ticks_ = 0;
  rebuild();
}

void LimiterLabModel::onConfig(const DashboardContext& context) {
  context_ = context;
  const LabReference next = labReference(context.config.get());
  const bool same = next.limit == reference_.limit && next.window == reference_.window && next.oneKey == reference_.oneKey;
  reference_ = next;
  // The lab already runs every algorithm: only a new limit restarts its limiters (their
  // series go on).
  if (!same) rebuild();
}

void LimiterLabModel::watch(std::optional<std::string> key) { chosen_ = std::move(key); }

std::uint32_t LimiterLabModel::keyOf(const gwsim::Arrival& arrival) {
  const std::uint64_t id = (std::uint64_t{arrival.group} << 32) | arrival.client;
  const auto it = clientKeys_.find(id);
  if (it != clientKeys_.end()) return it->second;
  std::string key;
  if (reference_.oneKey) {
    key = "route";
  } else if (context_.scenario != nullptr && arrival.group < context_.scenario->clients.size()) {
    const gwsim::ClientGroup& group = context_.scenario->clients[arrival.group];
    // Clients of a group with API keys get them round-robin; a key's consumer is the limit's key.
    if (!group.apiKeys.empty() && context_.config != nullptr) {
      const std::string& apiKey = group.apiKeys[arrival.client % group.apiKeys.size()];
      for (const gateway::ConsumerConfig& consumer : context_.config->consumers) {
        if (std::find(consumer.apiKeys.begin(), consumer.apiKeys.end(), apiKey) != consumer.apiKeys.end()) {
          key = consumer.id;
          break;
        }
      }
    }
    if (key.empty()) key = fmt::format("{}#{}", group.name, arrival.client);
  } else {
    key = fmt::format("client {}.{}", arrival.group, arrival.client);
  }
  const std::uint32_t number = intern(key);
  clientKeys_.emplace(id, number);
  return number;
}

std::uint32_t LimiterLabModel::intern(const std::string& key) {
  const auto [it, added] = keyIds_.emplace(key, static_cast<std::uint32_t>(keyNames_.size()));
  if (added) {
    keyNames_.push_back(key);
    keyArrivals_.push_back(0);
  }
  return it->second;
}

std::int64_t LimiterLabModel::arrivalsOf(const std::string& key) const {
  const auto it = keyIds_.find(key);
  return it == keyIds_.end() ? 0 : keyArrivals_[it->second];
}

void LimiterLabModel::onArrival(const gwsim::Arrival& arrival) { arriveAs(arrival.at, keyOf(arrival)); }

void LimiterLabModel::arrive(gateway::TimePoint at, const std::string& key) { arriveAs(at, intern(key)); }

void LimiterLabModel::arriveAs(gateway::TimePoint at, std::uint32_t key) {
  // Ticks before this arrival see the state without it: tick T shows the arrivals before T,
  // whether T was sampled by a snapshot or by the first arrival at or after T.
  while (static_cast<gateway::TimePoint>(ticks_) * kTick <= at) sampleTick(static_cast<gateway::TimePoint>(ticks_) * kTick);
  ++arrivals_;
  const std::int64_t seen = ++keyArrivals_[key];
  if (seen > hottestArrivals_) {  // the first key to get ahead stays hottest on a tie
    hottest_ = key;
    hottestArrivals_ = seen;
  }
  const auto second = static_cast<std::size_t>(std::max<gateway::TimePoint>(at, 0) / gateway::kSecond);
  for (std::size_t i = 0; i < limiters_.size(); ++i) {
    LabLane& lane = lanes_[i];
    if (lane.admitted.size() <= second) {
      lane.admitted.resize(second + 1, 0);
      lane.denied.resize(second + 1, 0);
    }
    const gateway::LimitDecision d = limiters_[i]->decide(key, at);
    if (!d.allowed) {
      ++lane.denied[second];
      ++lane.totalDenied;
      continue;
    }
    ++lane.admitted[second];
    ++lane.totalAdmitted;
    // Forwarded at arrival + delay (leaky_bucket delays; the others forward at once): per
    // key these times never go back, so the window is a queue.
    const gateway::TimePoint forwarded = at + d.delay;
    if (inWindow_[i].size() <= key) inWindow_[i].resize(key + 1);
    InWindow& w = inWindow_[i][key];
    if (w.head < w.entries.size() && w.entries.back().first == forwarded) {
      ++w.entries.back().second;
    } else {
      w.entries.emplace_back(forwarded, 1);
    }
    ++w.total;
    while (w.head < w.entries.size() && w.entries[w.head].first <= forwarded - reference_.window) {
      w.total -= w.entries[w.head].second;
      ++w.head;
    }
    if (w.head > 64 && w.head * 2 > w.entries.size()) {
      w.entries.erase(w.entries.begin(), w.entries.begin() + static_cast<std::ptrdiff_t>(w.head));
      w.head = 0;
    }
    if (w.total > lane.maxInWindow) {
      lane.maxInWindow = w.total;
      lane.maxAt = forwarded;
      lane.maxKey = keyNames_[key];
    }
  }
}

void LimiterLabModel::advanceTo(gateway::TimePoint now) {
  while (static_cast<gateway::TimePoint>(ticks_) * kTick <= now) sampleTick(static_cast<gateway::TimePoint>(ticks_) * kTick);
}

void LimiterLabModel::sampleTick(gateway::TimePoint at) {
  std::uint32_t key = hottest_;
  if (chosen_) {
    const auto it = keyIds_.find(*chosen_);
    key = it == keyIds_.end() ? LabLimiter::kNoKey : it->second;
    watched_ = *chosen_;
  } else {
    watched_ = hottest_ == LabLimiter::kNoKey ? std::string() : keyNames_[hottest_];
  }
  for (std::size_t i = 0; i < limiters_.size(); ++i) {
    limiters_[i]->advance(at, false);
    lanes_[i].last = limiters_[i]->gauge(key, at);
    lanes_[i].level.push_back(static_cast<float>(lanes_[i].last.level));
  }
  ++ticks_;
}

void LimiterLabModel::onSnapshot(gateway::TimePoint now, const nlohmann::json& policies) {
  // A live gatewayd's clock has an arbitrary epoch: only a simulation's ticks count from 0.
  if (context_.scenario != nullptr || arrivals_ > 0) advanceTo(now);
  const auto section = policies.find("rate_limits");
  if (section == policies.end() || !section->is_object()) return;
  const double dt = lastSnapshot_ && now > *lastSnapshot_
                        ? static_cast<double>(now - *lastSnapshot_) / static_cast<double>(gateway::kSecond)
                        : 0.0;
  for (const auto& [id, store] : section->items()) {
    if (!store.is_object()) continue;
    auto it = std::find_if(stores_.begin(), stores_.end(), [&](const LabStore& s) { return s.id == id; });
    if (it == stores_.end()) {
      it = stores_.insert(it, LabStore{});
      it->id = id;
    }
    const std::int64_t allowed = labCounter(store, "allowed");
    const std::int64_t denied = labCounter(store, "denied");
    if (dt > 0) {
      // A store rebuilt by a reload starts again from 0: no negative rate.
      it->allowedRate.push_back(static_cast<float>(std::max<std::int64_t>(0, allowed - it->allowed) / dt));
      it->deniedRate.push_back(static_cast<float>(std::max<std::int64_t>(0, denied - it->denied) / dt));
      if (it->allowedRate.size() > kStoreHistory) {
        it->allowedRate.erase(it->allowedRate.begin());
        it->deniedRate.erase(it->deniedRate.begin());
      }
    }
    it->algorithm = store.value("algorithm", std::string());
    it->keys = labCounter(store, "keys");
    it->allowed = allowed;
    it->denied = denied;
  }
  lastSnapshot_ = now;
}

std::string LimiterLabModel::lesson() const {
  if (arrivals_ == 0) {
    if (!stores_.empty()) return "The gateway's own rate_limits stores, live: allowed and denied per second.";
    return "No traffic yet.";
  }
  const std::string quota = fmt::format("{} per {}", reference_.limit, labSeconds(reference_.window));
  const LabLane* worst = nullptr;
  for (const LabLane& lane : lanes_) {
    if (worst == nullptr || lane.maxInWindow > worst->maxInWindow) worst = &lane;
  }
  if (worst != nullptr && worst->maxInWindow > reference_.limit) {
    return fmt::format("{} let {:.1f}x the limit through at {} ({} in {}; the limit is {}){}", worst->algorithm,
                       static_cast<double>(worst->maxInWindow) / static_cast<double>(reference_.limit),
                       labSeconds(worst->maxAt), worst->maxInWindow, labSeconds(reference_.window), quota,
                       labWhyOver(worst->algorithm));
  }
  std::int64_t denied = 0;
  for (const LabLane& lane : lanes_) denied += lane.totalDenied;
  if (denied == 0) return fmt::format("The traffic stays within {}: no algorithm denied anything yet.", quota);
  return fmt::format("Every algorithm held each key within {}; they differ in what they denied and when.", quota);
}

std::string LimiterLabModel::digest() const {
  std::string text = fmt::format("ref {} {} {} {}\n", reference_.limit, reference_.window, reference_.source, reference_.oneKey);
  for (const LabLane& lane : lanes_) {
    text += fmt::format("{} {} {} {} {} {} {}\n", lane.algorithm, lane.parameters, lane.totalAdmitted, lane.totalDenied,
                        lane.maxInWindow, lane.maxAt, lane.maxKey);
    for (std::size_t s = 0; s < lane.admitted.size(); ++s) text += fmt::format("{}/{} ", lane.admitted[s], lane.denied[s]);
    for (const float level : lane.level) {
      std::uint32_t bits = 0;
      std::memcpy(&bits, &level, sizeof bits);
      text += fmt::format("{:x} ", bits);
    }
    text += '\n';
  }
  for (const LabStore& s : stores_) {
    text += fmt::format("{} {} {} {} {} {}\n", s.id, s.algorithm, s.keys, s.allowed, s.denied, s.allowedRate.size());
  }
  for (std::size_t k = 0; k < keyNames_.size(); ++k) text += fmt::format("{}={} ", keyNames_[k], keyArrivals_[k]);
  return fmt::format("arrivals={} ticks={} watched={} hash={:016x}", arrivals_, ticks_, watched_, labFnv(text));
}

}  // namespace gwdash
