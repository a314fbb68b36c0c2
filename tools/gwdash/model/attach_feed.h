// What gwdash --attach reads from gatewayd's admin API, checked and turned into the
// dashboard's terms: /stats (the policy snapshot and its clock, the config version, uptime),
// /requests/recent (RequestRecords) and /config (a Config loaded by the project's loader).
// Pure functions: each names what is wrong in a document that does not fit.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "libgateway/config/config.h"
#include "libgateway/core/time.h"
#include "tools/gwdash/model/request_record.h"

namespace gwdash {

struct AttachedStats {
  std::uint64_t configVersion = 0;
  double uptimeSeconds = 0;
  gateway::TimePoint now = 0;  // the policy snapshot's now_us
  nlohmann::json policies;
};
// /stats' body; nullopt with `error` when it is not gatewayd's /stats.
std::optional<AttachedStats> parseAttachedStats(const std::string& body, std::string& error);

struct AttachedRequests {
  std::uint64_t lastId = 0;  // the next read's `after`
  bool truncated = false;    // records were overwritten before this read
  std::vector<RequestRecord> records;
};
// /requests/recent's body.
std::optional<AttachedRequests> parseAttachedRequests(const std::string& body, std::string& error);

struct AttachedConfig {
  std::uint64_t version = 0;
  std::shared_ptr<const gateway::Config> config;
};
// /config's body, loaded with loadConfigJson after loadableConfig().
std::optional<AttachedConfig> parseAttachedConfig(const std::string& body, std::string& error);

// /config's document made loadable here: gatewayd redacted its secrets and its key files'
// paths are relative to its own folder, so every JWT key becomes a stand-in HS256 key with
// the same kid (jwks_file goes). Routes, services, instances and policies stay as they are.
nlohmann::json loadableConfig(nlohmann::json config);

}  // namespace gwdash
