#include "tools/gwdash/model/attach_feed.h"

#include <fmt/format.h>

#include "libgateway/config/config_loader.h"

namespace gwdash {

namespace {

using nlohmann::json;

// The body as a JSON object, or null with `error` saying which endpoint sent what.
json attachedObject(const std::string& body, std::string_view endpoint, std::string& error) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    error = fmt::format("{} did not answer with a JSON object: \"{}\"", endpoint, body.substr(0, 80));
    return nullptr;
  }
  return doc;
}

// A stand-in for a redacted HS secret (the dashboard verifies no token): long enough for every HS algorithm's minimum.
constexpr const char* kStandInSecret =
    "gwdash stand-in: gatewayd does not show its keys; this one verifies nothing.";

}  // namespace

std::optional<AttachedStats> parseAttachedStats(const std::string& body, std::string& error) {
  const json doc = attachedObject(body, "/stats", error);
  if (doc.is_null()) return std::nullopt;
  const auto policies = doc.find("policies");
  if (policies == doc.end() || !policies->is_object()) {
    error = "/stats has no \"policies\" object: is this gatewayd's admin address?";
    return std::nullopt;
  }
  const auto now = policies->find("now_us");
  const auto version = doc.find("config_version");
  if (now == policies->end() || !now->is_number_integer() || version == doc.end() || !version->is_number_unsigned()) {
    error = "/stats lacks \"config_version\" or \"policies\".\"now_us\"";
    return std::nullopt;
  }
  AttachedStats out;
  out.now = now->get<gateway::TimePoint>();
  out.configVersion = version->get<std::uint64_t>();
  if (auto up = doc.find("uptime_s"); up != doc.end() && up->is_number()) out.uptimeSeconds = up->get<double>();
  out.policies = *policies;
  return out;
}

std::optional<AttachedRequests> parseAttachedRequests(const std::string& body, std::string& error) {
  const json doc = attachedObject(body, "/requests/recent", error);
  if (doc.is_null()) return std::nullopt;
  const auto last = doc.find("last_id");
  const auto requests = doc.find("requests");
  if (last == doc.end() || !last->is_number_unsigned() || requests == doc.end() || !requests->is_array()) {
    error = "/requests/recent lacks \"last_id\" (a number) or \"requests\" (an array)";
    return std::nullopt;
  }
  AttachedRequests out;
  out.lastId = last->get<std::uint64_t>();
  out.truncated = doc.value("truncated", false);
  out.records.reserve(requests->size());
  for (const auto& r : *requests) out.records.push_back(RequestRecord::fromJson(r));
  return out;
}

json loadableConfig(json config) {
  if (!config.is_object()) return config;
  auto auth = config.find("auth");
  if (auth == config.end() || !auth->is_object()) return config;
  auto jwt = auth->find("jwt");
  if (jwt == auth->end() || !jwt->is_object()) return config;
  json keys = json::array();
  if (auto old = jwt->find("keys"); old != jwt->end() && old->is_array()) {
    for (const auto& k : *old) {
      json key = {{"algorithms", json::array({"HS256"})}, {"secret", kStandInSecret}};
      if (k.is_object() && k.contains("kid")) key["kid"] = k["kid"];
      keys.push_back(std::move(key));
    }
  }
  if (keys.empty()) keys.push_back({{"algorithms", json::array({"HS256"})}, {"secret", kStandInSecret}});
  (*jwt)["keys"] = std::move(keys);
  jwt->erase("jwks_file");
  return config;
}

std::optional<AttachedConfig> parseAttachedConfig(const std::string& body, std::string& error) {
  const json doc = attachedObject(body, "/config", error);
  if (doc.is_null()) return std::nullopt;
  const auto version = doc.find("config_version");
  const auto config = doc.find("config");
  if (version == doc.end() || !version->is_number_unsigned() || config == doc.end() || !config->is_object()) {
    error = "/config lacks \"config_version\" (a number) or \"config\" (an object)";
    return std::nullopt;
  }
  gateway::ConfigLoad load = gateway::loadConfigJson(loadableConfig(*config), "/config");
  if (!load.ok()) {
    error = fmt::format("gatewayd's config (/config) does not load here: {}", load.errors.text());
    return std::nullopt;
  }
  return AttachedConfig{version->get<std::uint64_t>(), std::move(load.config)};
}

}  // namespace gwdash
