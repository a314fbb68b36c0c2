#include "sim/commands/content_columns.h"

#include <algorithm>

#include <fmt/format.h>

#include "sim/report/content_report.h"

namespace gwsim {

namespace {

using ContentCell = std::optional<std::string>;

const char* const kUpstreamMeaning =
    "requests the gateway sent to SERVICE (every try: aggregation parts, cache fills and background "
    "refreshes included)";

bool anyRow(const std::vector<CompareRow>& rows, bool (*has)(const CompareRow&)) {
  return std::any_of(rows.begin(), rows.end(), has);
}

const ContentReport* contentOf(const CompareRow& row) {
  return row.result->content.enabled ? &row.result->content : nullptr;
}

ContentCell cacheCell(const CompareRow& row, std::string (*show)(const CacheCounters&)) {
  const ContentReport* c = contentOf(row);
  const auto totals = c ? c->cacheTotals() : std::nullopt;
  if (!totals) return std::nullopt;
  return show(*totals);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> contentColumnsHelp() {
  return {
      {"kB to clients", "response body bytes the gateway sent to clients, in thousands (every attempt; compressed "
                        "bodies count as sent)"},
      {"up:SERVICE", kUpstreamMeaning},
      {"saved", "client requests answered from the cache (a hit, a stale copy, or a waiter answered from another "
                "request's fill) without an upstream call of their own"},
      {"partial", "2xx aggregation answers missing a part (X-KrakenD-Completed: false; the fail policy's errors "
                  "are 5xx instead); \"-\" when the row has no aggregation route"},
      {"hit ratio", "the cache's hits / (hits + misses + expired), all cached routes; \"-\" when the row has no cache "
                    "or it was never asked"},
      {"coalesced", "requests that waited for another request's fill of the same key instead of fetching (the "
                    "cache's coalesced waiters)"},
      {"stale served", "answers the cache gave from an expired copy (stale-while-revalidate, stale-if-error)"},
      {"fetches/stampede", "tries sent to the stampede's service (and target) while one of its group's bursts was "
                           "on, divided by the number of bursts: 1.00 when every burst cost one upstream fetch"},
  };
}

std::vector<CompareColumn> contentColumns(const std::vector<CompareRow>& rows) {
  std::vector<CompareColumn> out;
  if (!anyRow(rows, [](const CompareRow& r) { return r.result->content.enabled; })) return out;
  const auto help = contentColumnsHelp();
  const auto meaning = [&](const std::string& name) {
    for (const auto& [n, m] : help) {
      if (n == name) return m;
    }
    return std::string();
  };
  out.push_back({"kB to clients", meaning("kB to clients"), [](const CompareRow& row) -> ContentCell {
                   const ContentReport* c = contentOf(row);
                   if (!c) return std::nullopt;
                   return fmt::format("{:.1f}", static_cast<double>(c->bytesToClients) / 1000.0);
                 }});
  // One column per service, in the order the rows' configs name them.
  std::vector<std::string> services;
  for (const auto& row : rows) {
    for (const auto& svc : row.scenario->gateway->services) {
      if (std::find(services.begin(), services.end(), svc.name) == services.end()) services.push_back(svc.name);
    }
  }
  for (const auto& name : services) {
    out.push_back({"up:" + name, fmt::format("requests the gateway sent to {} (every try: aggregation parts, cache "
                                             "fills and background refreshes included)",
                                             name),
                   [name](const CompareRow& row) -> ContentCell {
                     const ContentReport* c = contentOf(row);
                     const auto it = c ? c->upstreamRequests.find(name) : std::map<std::string, std::uint64_t>::const_iterator();
                     if (!c || it == c->upstreamRequests.end()) return std::nullopt;
                     return std::to_string(it->second);
                   }});
  }
  out.push_back({"saved", meaning("saved"), [](const CompareRow& row) -> ContentCell {
                   const ContentReport* c = contentOf(row);
                   if (!c) return std::nullopt;
                   return std::to_string(c->upstreamSaved);
                 }});
  if (anyRow(rows, [](const CompareRow& r) { return hasRouteField(*r.scenario, "aggregate"); })) {
    out.push_back({"partial", meaning("partial"), [](const CompareRow& row) -> ContentCell {
                     if (!contentOf(row) || !hasRouteField(*row.scenario, "aggregate")) return std::nullopt;
                     return std::to_string(row.result->content.partialAnswers);
                   }});
  }
  if (anyRow(rows, [](const CompareRow& r) { return r.result->content.cacheTotals().has_value(); })) {
    out.push_back({"hit ratio", meaning("hit ratio"), [](const CompareRow& row) -> ContentCell {
                     const ContentReport* c = contentOf(row);
                     const auto totals = c ? c->cacheTotals() : std::nullopt;
                     const auto ratio = totals ? totals->hitRatio() : std::nullopt;
                     if (!ratio) return std::nullopt;
                     return fmt::format("{:.3f}", *ratio);
                   }});
    out.push_back({"coalesced", meaning("coalesced"), [](const CompareRow& row) {
                     return cacheCell(row, [](const CacheCounters& t) { return std::to_string(t.coalesced); });
                   }});
    out.push_back({"stale served", meaning("stale served"), [](const CompareRow& row) {
                     return cacheCell(row, [](const CacheCounters& t) { return std::to_string(t.staleServed); });
                   }});
  }
  if (anyRow(rows, [](const CompareRow& r) { return r.result->content.stampede; })) {
    out.push_back({"fetches/stampede", meaning("fetches/stampede"), [](const CompareRow& row) -> ContentCell {
                     const ContentReport* c = contentOf(row);
                     const auto per = c ? c->fetchesPerStampede() : std::nullopt;
                     if (!per) return std::nullopt;
                     return fmt::format("{:.2f}", *per);
                   }});
  }
  return out;
}

}  // namespace gwsim
