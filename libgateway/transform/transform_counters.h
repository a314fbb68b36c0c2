// What the response transformation did, per route and profile, for /stats ("transform"
// section), /metrics (gateway_transform_*) and gwsim's policy state. One registry per
// SharedState (SharedState::stageShared under "transform"), shared by every worker's stage;
// counters are atomics and keyed by route and profile name, so they survive reloads.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "libgateway/pipeline/policy_reporter.h"

namespace gateway {

class TransformProfileCounters {
 public:
  std::atomic<std::uint64_t> responses{0};        // answers of the route with this profile
  std::atomic<std::uint64_t> filtered{0};         // JSON bodies the field rules rewrote
  std::atomic<std::uint64_t> compressed{0};       // bodies sent with a Content-Encoding
  std::atomic<std::uint64_t> bytesIn{0};          // body bytes before (whole bodies only)
  std::atomic<std::uint64_t> bytesOut{0};         // body bytes after
  std::atomic<std::uint64_t> skippedNotJson{0};   // a 2xx JSON answer whose body did not parse
  std::atomic<std::uint64_t> skippedTooLarge{0};  // longer than max_body_bytes: passed streamed
  std::atomic<std::uint64_t> skippedEncoded{0};   // the upstream had already encoded it
  std::atomic<std::uint64_t> skippedNoTransform{0};  // Cache-Control: no-transform
  std::atomic<std::uint64_t> renameConflicts{0};  // renames skipped: the new name was taken
};

class TransformRegistry final : public PolicyReporter {
 public:
  // The profile name of responses no profile applies to.
  static constexpr std::string_view kNoProfile = "(none)";

  // The counters of `profile` on `route`, made on first use; the reference stays valid for
  // the registry's life.
  TransformProfileCounters& counters(std::string_view route, std::string_view profile);

  std::string_view name() const override { return "transform"; }
  // {"routes": {ROUTE: {responses, filtered, ..., "profiles": {NAME: {responses, ...}}}}}
  void snapshot(TimePoint now, nlohmann::json& out) const override;
  void metrics(TimePoint now, std::string& out) const override;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::map<std::string, std::unique_ptr<TransformProfileCounters>, std::less<>>, std::less<>> routes_;
};

}  // namespace gateway
