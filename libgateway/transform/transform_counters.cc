#include "libgateway/transform/transform_counters.h"

#include <nlohmann/json.hpp>

#include "libgateway/http/prometheus_text.h"

namespace gateway {

namespace {

// The counters in snapshot order, with their snapshot keys.
struct TransformCounterField {
  std::string_view key;
  std::atomic<std::uint64_t> TransformProfileCounters::*member;
};

constexpr TransformCounterField kTransformCounterFields[] = {
    {"responses", &TransformProfileCounters::responses},
    {"filtered", &TransformProfileCounters::filtered},
    {"compressed", &TransformProfileCounters::compressed},
    {"bytes_in", &TransformProfileCounters::bytesIn},
    {"bytes_out", &TransformProfileCounters::bytesOut},
    {"skipped_not_json", &TransformProfileCounters::skippedNotJson},
    {"skipped_too_large", &TransformProfileCounters::skippedTooLarge},
    {"skipped_encoded", &TransformProfileCounters::skippedEncoded},
    {"skipped_no_transform", &TransformProfileCounters::skippedNoTransform},
    {"rename_conflicts", &TransformProfileCounters::renameConflicts},
};

struct TransformFamily {
  std::string_view name;
  std::string_view help;
  std::atomic<std::uint64_t> TransformProfileCounters::*member;
};

constexpr TransformFamily kTransformFamilies[] = {
    {"gateway_transform_responses_total", "Responses of transform routes, by route and client profile.",
     &TransformProfileCounters::responses},
    {"gateway_transform_filtered_total", "JSON bodies rewritten by a profile's field rules.",
     &TransformProfileCounters::filtered},
    {"gateway_transform_compressed_total", "Response bodies compressed (gzip or br) by the gateway.",
     &TransformProfileCounters::compressed},
    {"gateway_transform_bytes_in_total", "Response body bytes before transformation (whole bodies only).",
     &TransformProfileCounters::bytesIn},
    {"gateway_transform_bytes_out_total", "Response body bytes after transformation and compression.",
     &TransformProfileCounters::bytesOut},
};

constexpr std::pair<std::string_view, std::atomic<std::uint64_t> TransformProfileCounters::*> kTransformSkipReasons[] = {
    {"not_json", &TransformProfileCounters::skippedNotJson},
    {"too_large", &TransformProfileCounters::skippedTooLarge},
    {"encoded", &TransformProfileCounters::skippedEncoded},
    {"no_transform", &TransformProfileCounters::skippedNoTransform},
};

}  // namespace

TransformProfileCounters& TransformRegistry::counters(std::string_view route, std::string_view profile) {
  std::lock_guard lock(mutex_);
  auto routeIt = routes_.find(route);
  if (routeIt == routes_.end()) routeIt = routes_.emplace(std::string(route), decltype(routes_)::mapped_type{}).first;
  auto& profiles = routeIt->second;
  auto it = profiles.find(profile);
  if (it == profiles.end()) it = profiles.emplace(std::string(profile), std::make_unique<TransformProfileCounters>()).first;
  return *it->second;
}

void TransformRegistry::snapshot(TimePoint /*now*/, nlohmann::json& out) const {
  std::lock_guard lock(mutex_);
  out = {{"routes", nlohmann::json::object()}};
  for (const auto& [route, profiles] : routes_) {
    nlohmann::json& r = out["routes"][route];
    for (const auto& field : kTransformCounterFields) r[field.key] = std::uint64_t{0};
    r["profiles"] = nlohmann::json::object();
    for (const auto& [name, c] : profiles) {
      nlohmann::json& p = r["profiles"][name];
      for (const auto& field : kTransformCounterFields) {
        const std::uint64_t v = ((*c).*field.member).load(std::memory_order_relaxed);
        p[field.key] = v;
        r[field.key] = r[field.key].get<std::uint64_t>() + v;
      }
    }
  }
}

void TransformRegistry::metrics(TimePoint /*now*/, std::string& out) const {
  std::lock_guard lock(mutex_);
  if (routes_.empty()) return;
  for (const auto& family : kTransformFamilies) {
    appendFamilyHeader(out, family.name, family.help, "counter");
    for (const auto& [route, profiles] : routes_) {
      for (const auto& [name, c] : profiles) {
        appendSample(out, family.name, prometheusLabels({{"route", route}, {"profile", name}}),
                     ((*c).*family.member).load(std::memory_order_relaxed));
      }
    }
  }
  appendFamilyHeader(out, "gateway_transform_skipped_total",
                     "Responses passed on untransformed, by reason (not_json, too_large, encoded, no_transform).",
                     "counter");
  for (const auto& [route, profiles] : routes_) {
    for (const auto& [name, c] : profiles) {
      for (const auto& [reason, member] : kTransformSkipReasons) {
        appendSample(out, "gateway_transform_skipped_total",
                     prometheusLabels({{"route", route}, {"profile", name}, {"reason", reason}}),
                     ((*c).*member).load(std::memory_order_relaxed));
      }
    }
  }
}

}  // namespace gateway
