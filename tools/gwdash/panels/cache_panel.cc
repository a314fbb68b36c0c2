#include "tools/gwdash/panels/cache_panel.h"

#include <algorithm>
#include <initializer_list>

#include <fmt/format.h>
#include <imgui.h>

#include "tools/gwdash/panels/policy_draw.h"

namespace gwdash {

namespace {

namespace pd = policydraw;

// The last whole second's value of a ring (the newest slot is still filling).
template <class T, class F>
double cacheLastWhole(const SimSecondRing<T>& ring, F value) {
  const auto& points = ring.points();
  if (points.size() < 2) return points.empty() ? 0.0 : static_cast<double>(value(points.back().value));
  return static_cast<double>(value(points[points.size() - 2].value));
}

float cachePeak(std::initializer_list<const std::vector<float>*> series) {
  float peak = 1;
  for (const auto* s : series) {
    for (float v : *s) peak = std::max(peak, v);
  }
  return peak * 1.1f;
}

}  // namespace

void CachePanel::draw(gateway::TimePoint /*now*/) {
  drawCache();
  ImGui::Spacing();
  drawAggregation();
}

void CachePanel::drawCache() {
  const auto& routes = model_.cacheRoutes();
  if (ImGui::CollapsingHeader("Response cache", ImGuiTreeNodeFlags_DefaultOpen)) {
    if (routes.empty()) {
      ImGui::TextDisabled("No route of this config has a response cache.");
      return;
    }
    if (!route_.empty() && !routes.count(route_)) route_.clear();
    if (ImGui::BeginCombo("route##cache", route_.empty() ? "all routes" : route_.c_str())) {
      if (ImGui::Selectable("all routes", route_.empty())) route_.clear();
      for (const auto& [name, view] : routes) {
        if (ImGui::Selectable(name.c_str(), route_ == name)) route_ = name;
      }
      ImGui::EndCombo();
    }
    const CacheRouteView& v = route_.empty() ? model_.totals() : routes.at(route_);
    auto series = [&](std::size_t counter) {
      return v.seconds.values([counter](const CacheSecond& s) { return static_cast<double>(s.counts[counter]); });
    };
    const std::vector<float> hits = series(kCacheHits), misses = series(kCacheMisses), stale = series(kCacheStale),
                             coalesced = series(kCacheCoalesced);
    // Each on its own scale: hits dwarf the misses a stampede is about.
    auto last = [&](std::size_t counter) {
      return cacheLastWhole(v.seconds, [counter](const CacheSecond& s) { return s.counts[counter]; });
    };
    static const float kNone = 0;
    const std::string hitText = fmt::format("hits/s: {:.0f}", last(kCacheHits));
    ImGui::PlotHistogram("##hits", hits.empty() ? &kNone : hits.data(), hits.empty() ? 1 : static_cast<int>(hits.size()), 0,
                         hitText.c_str(), 0.0f, cachePeak({&hits}), ImVec2(std::max(ImGui::GetContentRegionAvail().x, 40.0f), 50.0f));
    pd::plotWithLine("##misses", misses, 0.0f, cachePeak({&misses}), 32.0f, fmt::format("misses/s: {:.0f}", last(kCacheMisses)));
    pd::plotWithLine("##stale", stale, 0.0f, cachePeak({&stale}), 32.0f, fmt::format("stale answers/s: {:.0f}", last(kCacheStale)));
    pd::plotWithLine("##coalesced", coalesced, 0.0f, cachePeak({&coalesced}), 32.0f,
                     fmt::format("coalesced waiters/s: {:.0f}", last(kCacheCoalesced)));

    const float entryShare = v.maxEntries ? static_cast<float>(v.entries) / static_cast<float>(v.maxEntries) : 0.0f;
    ImGui::ProgressBar(entryShare, ImVec2(-1, 0), fmt::format("{} / {} entries", v.entries, v.maxEntries).c_str());
    const float byteShare = v.maxBytes ? static_cast<float>(v.bytes) / static_cast<float>(v.maxBytes) : 0.0f;
    ImGui::ProgressBar(byteShare, ImVec2(-1, 0), fmt::format("{} / {}", pd::bytesText(v.bytes), pd::bytesText(v.maxBytes)).c_str());
    ImGui::Text("served from cache %.1f%% of lookups; fills in flight %llu", v.hitShare() * 100,
                static_cast<unsigned long long>(v.fillsInFlight));
    ImGui::TextDisabled("stores %llu, refreshes %llu, expired %llu, evictions %llu, bypass %llu, purged %llu",
                        static_cast<unsigned long long>(v.total[kCacheStores]),
                        static_cast<unsigned long long>(v.total[kCacheRefreshes]),
                        static_cast<unsigned long long>(v.total[kCacheExpired]),
                        static_cast<unsigned long long>(v.total[kCacheEvictions]),
                        static_cast<unsigned long long>(v.total[kCacheBypass]),
                        static_cast<unsigned long long>(v.total[kCachePurged]));
  }
}

void CachePanel::drawAggregation() {
  if (!ImGui::CollapsingHeader("Aggregation", ImGuiTreeNodeFlags_DefaultOpen)) return;
  const auto& routes = model_.aggregateRoutes();
  if (routes.empty()) {
    ImGui::TextDisabled("No route of this config aggregates.");
    return;
  }
  for (const auto& [name, r] : routes) {
    ImGui::PushID(name.c_str());
    ImGui::TextWrapped("%s: %llu complete, %llu partial, %llu failed; p50 %.0f ms, p99 %.0f ms (last 10 s)", name.c_str(),
                static_cast<unsigned long long>(r.answers[0]), static_cast<unsigned long long>(r.answers[1]),
                static_cast<unsigned long long>(r.answers[2]), r.p50Ms, r.p99Ms);
    const auto complete = r.seconds.values([](const AggregateSecond& s) { return static_cast<double>(s.answers[0]); });
    const auto partial = r.seconds.values([](const AggregateSecond& s) { return static_cast<double>(s.answers[1]); });
    const auto failed = r.seconds.values([](const AggregateSecond& s) { return static_cast<double>(s.answers[2]); });
    const float peak = cachePeak({&complete, &partial, &failed});
    pd::plotWithLine("##complete", complete, 0.0f, peak, 28.0f, "complete answers/s");
    pd::plotWithLine("##partial", partial, 0.0f, peak, 28.0f, "partial answers/s");
    pd::plotWithLine("##failed", failed, 0.0f, peak, 28.0f, "failed answers/s");

    constexpr ImGuiTableFlags kFlags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit;
    if (ImGui::BeginTable("##parts", 9, kFlags)) {
      for (const char* h : {"part", "service", "calls", "ok", "4xx", "5xx", "timeout", "other"}) ImGui::TableSetupColumn(h);
      ImGui::TableSetupColumn("mean ms per second", ImGuiTableColumnFlags_WidthStretch);
      ImGui::TableHeadersRow();
      for (const auto& p : r.parts) {
        const auto& s = p.total.statuses;
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(p.name.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(p.service.c_str());
        for (std::uint64_t n : {p.total.calls, s[0], s[1], s[2], s[3], s[4] + s[5] + s[6] + s[7]}) {
          ImGui::TableNextColumn();
          ImGui::Text("%llu", static_cast<unsigned long long>(n));
        }
        if (ImGui::IsItemHovered()) {
          ImGui::SetTooltip("bad_response %llu\ncircuit_open %llu\nrate_limited %llu\nskipped %llu",
                            static_cast<unsigned long long>(s[4]), static_cast<unsigned long long>(s[5]),
                            static_cast<unsigned long long>(s[6]), static_cast<unsigned long long>(s[7]));
        }
        ImGui::TableNextColumn();
        const auto latency = p.seconds.values([](const PartSecond& v) { return v.meanLatencyMs(); });
        const float top = cachePeak({&latency});
        ImGui::PushID(p.name.c_str());
        pd::plotWithLine("##latency", latency, 0.0f, top, 20.0f, fmt::format("{:.1f}", p.total.meanLatencyMs()));
        ImGui::PopID();
      }
      ImGui::EndTable();
    }
    ImGui::PopID();
  }
}

}  // namespace gwdash
