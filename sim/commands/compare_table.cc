#include "sim/commands/compare_table.h"

#include <algorithm>

#include <fmt/format.h>

#include "sim/commands/content_columns.h"
#include "sim/engine/breaker_analysis.h"

namespace gwsim {

namespace {

enum class Group { kAlways, kLimiting, kFaults };

struct ColumnSpec {
  Group group;
  CompareColumn column;
};

using Cell = std::optional<std::string>;

std::string ms(std::int64_t us) { return fmt::format("{:.1f}", static_cast<double>(us) / 1000.0); }

bool limiterDecided(const RunResult& r) { return r.limiterAllowed + r.limiterDenied > 0; }

bool hasBreaker(const Scenario& s, const std::string& service) {
  const auto* sc = s.gateway->findService(service);
  return sc && sc->circuitBreaker.has_value();
}

bool anyBreaker(const Scenario& s) {
  return std::any_of(s.gateway->services.begin(), s.gateway->services.end(),
                     [](const gateway::ServiceConfig& sc) { return sc.circuitBreaker.has_value(); });
}

bool delays(const Scenario& s) {
  const auto leaky = [](const auto& entry) { return entry.second.spec.algorithm == gateway::LimiterAlgorithm::kLeakyBucket; };
  const auto& rl = s.gateway->rateLimits;
  return std::any_of(rl.tiers.begin(), rl.tiers.end(), leaky) || std::any_of(rl.policies.begin(), rl.policies.end(), leaky);
}

// The failing service's breaker report, when the scenario has a failure fault on a service
// with a circuit breaker; `applies` says whether it has.
const BreakerReport* failingBreaker(const CompareRow& row, bool& applies) {
  const RunResult& r = *row.result;
  applies = !r.failingService.empty() && hasBreaker(*row.scenario, r.failingService);
  auto it = r.breakers.find(r.failingService);
  return applies && it != r.breakers.end() ? &it->second : nullptr;
}

std::string seconds(const std::optional<double>& s) { return s ? fmt::format("{:.2f}", *s) : std::string("never"); }

const std::vector<ColumnSpec>& allColumns() {
  static const std::vector<ColumnSpec> kColumns = {
      {Group::kAlways,
       {"requests", "requests the gateway answered, every attempt (client retries included)",
        [](const CompareRow& row) -> Cell { return std::to_string(row.result->total.statuses.total); }}},
      {Group::kAlways,
       {"2xx", "of those, answered 2xx",
        [](const CompareRow& row) -> Cell { return std::to_string(row.result->total.statuses.byClass[2]); }}},
      {Group::kLimiting,
       {"admitted", "answered with anything but 429",
        [](const CompareRow& row) -> Cell {
          const auto& s = row.result->total.statuses;
          return std::to_string(s.total - s.code(429));
        }}},
      {Group::kLimiting,
       {"denied", "answered 429 Too Many Requests",
        [](const CompareRow& row) -> Cell { return std::to_string(row.result->total.statuses.code(429)); }}},
      {Group::kLimiting,
       {"overshoot",
        "the worst consumer's most requests let through in any window of its tier's length, over the "
        "tier's quota (1.00x: exactly the quota; a fixed window reaches 2.00x across a boundary; token "
        "bucket and gcra: quota = burst, window = burst / rate); \"-\" when no consumer is under a tier "
        "(route policies alone)",
        [](const CompareRow& row) -> Cell {
          const auto& c = row.result->consumers;
          if (std::none_of(c.begin(), c.end(), [](const auto& e) { return e.second.quota > 0; })) return std::nullopt;
          return fmt::format("{:.2f}x", row.result->maxOvershoot());
        }}},
      {Group::kLimiting,
       {"fairness",
        "Jain's index over the consumers' admitted/offered ratios x: (sum x)^2 / (n * sum x^2); 1.000: "
        "every consumer got the same share of what it asked for, 1/n: one got everything; \"-\" when the "
        "rate limits decided no request or fewer than two consumers sent any",
        [](const CompareRow& row) -> Cell {
          const auto& c = row.result->consumers;
          const auto senders = std::count_if(c.begin(), c.end(), [](const auto& e) { return e.second.offered > 0; });
          if (!limiterDecided(*row.result) || senders < 2) return std::nullopt;
          return fmt::format("{:.3f}", row.result->jainFairness());
        }}},
      {Group::kLimiting,
       {"delay ms",
        "mean wait before forwarding of the requests a leaky bucket held back; \"-\" when no tier or "
        "policy is a leaky_bucket",
        [](const CompareRow& row) -> Cell {
          if (!delays(*row.scenario)) return std::nullopt;
          const auto& t = row.result->total;
          return fmt::format("{:.1f}", t.limiterDelayed ? t.limiterDelaySumUs / static_cast<double>(t.limiterDelayed) / 1000.0 : 0.0);
        }}},
      {Group::kFaults,
       {"sent to failing",
        "tries the gateway sent to the failing service (the one the scenario's first failure fault "
        "names: down, flapping, reset, hang or abort >= 500) while a failure fault was active on it. "
        "\"-\" when the scenario has no failure fault",
        [](const CompareRow& row) -> Cell {
          const RunResult& r = *row.result;
          if (r.failingService.empty()) return std::nullopt;
          auto it = r.sentWhileFailing.find(r.failingService);
          return std::to_string(it == r.sentWhileFailing.end() ? 0 : it->second);
        }}},
      {Group::kFaults,
       {"open after s",
        "seconds from that fault's start to the failing service's circuit breaker opening; never: it "
        "did not open; \"-\" when that service has no circuit breaker",
        [](const CompareRow& row) -> Cell {
          bool applies = false;
          const BreakerReport* b = failingBreaker(row, applies);
          if (!applies) return std::nullopt;
          return seconds(b ? b->timeToOpenS : std::nullopt);
        }}},
      {Group::kFaults,
       {"recover s",
        "seconds from that fault's end to the breaker closing again; never: still not closed when the "
        "run ended; \"-\" when the breaker did not open or the fault never ends",
        [](const CompareRow& row) -> Cell {
          bool applies = false;
          const BreakerReport* b = failingBreaker(row, applies);
          const FaultSpec* fault = failureFault(row.scenario->faults, row.result->failingService);
          if (!applies || !b || !b->timeToOpenS || !fault || fault->duration == gateway::kNever) return std::nullopt;
          return seconds(b->timeToRecoverS);
        }}},
      {Group::kFaults,
       {"false trips",
        "times a circuit breaker (any service's) opened while no failure fault was active on its "
        "service; \"-\" when no service has a circuit breaker",
        [](const CompareRow& row) -> Cell {
          if (!anyBreaker(*row.scenario)) return std::nullopt;
          std::uint64_t n = 0;
          for (const auto& [_, b] : row.result->breakers) n += b.falseTrips;
          return std::to_string(n);
        }}},
      {Group::kAlways,
       {"5xx", "answered 5xx (by the gateway or a service)",
        [](const CompareRow& row) -> Cell { return std::to_string(row.result->total.statuses.byClass[5]); }}},
      {Group::kAlways,
       {"503", "answered 503 (by the gateway: circuit open, no healthy instance, over the concurrency cap; or by a service whose queue was full)",
        [](const CompareRow& row) -> Cell { return std::to_string(row.result->total.statuses.code(503)); }}},
      {Group::kAlways,
       {"504", "answered 504 (a deadline passed)",
        [](const CompareRow& row) -> Cell { return std::to_string(row.result->total.statuses.code(504)); }}},
      {Group::kAlways,
       {"p50 ms", "median latency of the gateway's answers",
        [](const CompareRow& row) -> Cell { return ms(row.result->total.latency.quantile(0.5)); }}},
      {Group::kAlways,
       {"p99 ms", "99th percentile latency of the gateway's answers",
        [](const CompareRow& row) -> Cell { return ms(row.result->total.latency.quantile(0.99)); }}},
      {Group::kAlways,
       {"max ms", "slowest answer",
        [](const CompareRow& row) -> Cell { return ms(row.result->total.latency.max()); }}},
      {Group::kAlways,
       {"expectations",
        "the scenario's expectations that held / all of them; FAILED when one did not (listed under "
        "the table); \"-\" when the scenario has none",
        [](const CompareRow& row) -> Cell {
          const auto total = row.result->expectations.size();
          if (total == 0) return std::nullopt;
          const auto failed = row.failedExpectations();
          return fmt::format("{}/{}{}", total - failed, total, failed ? " FAILED" : "");
        }}},
      {Group::kAlways,
       {"trace hash",
        "hash over every request's times, route, instance, consumer, target and status: two rows with "
        "the same hash ran identically",
        [](const CompareRow& row) -> Cell { return fmt::format("{:016x}", row.result->traceHash); }}},
  };
  return kColumns;
}

std::vector<std::vector<std::string>> cells(const std::string& header, const std::vector<CompareColumn>& columns,
                                            const std::vector<CompareRow>& rows) {
  std::vector<std::vector<std::string>> out(1, std::vector<std::string>{header});
  for (const auto& c : columns) out[0].push_back(c.name);
  for (const auto& row : rows) {
    std::vector<std::string> line = {row.label};
    for (const auto& c : columns) line.push_back(c.cell(row).value_or("-"));
    out.push_back(std::move(line));
  }
  return out;
}

// `text` in lines of at most `width` characters, each after `indent` spaces but the first.
std::string wrap(const std::string& text, std::size_t width, std::size_t indent) {
  std::string out, line;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto space = text.find(' ', pos);
    if (space == std::string::npos) space = text.size();
    const std::string word = text.substr(pos, space - pos);
    pos = space + 1;
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += line + "\n" + std::string(indent, ' ');
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  return out + line;
}

std::string csvCell(const std::string& cell) {
  if (cell.find_first_of(",\"\n") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (char c : cell) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

}  // namespace

std::size_t CompareRow::failedExpectations() const {
  return static_cast<std::size_t>(std::count_if(result->expectations.begin(), result->expectations.end(),
                                                [](const ExpectationResult& e) { return !e.passed; }));
}

std::vector<CompareColumn> compareColumns(const std::vector<CompareRow>& rows) {
  const bool limiting = std::any_of(rows.begin(), rows.end(), [](const CompareRow& r) { return limiterDecided(*r.result); });
  const bool faults = std::any_of(rows.begin(), rows.end(), [](const CompareRow& r) {
    return !r.result->failingService.empty() || !r.result->breakers.empty();
  });
  std::vector<CompareColumn> out;
  for (const auto& spec : allColumns()) {
    if (spec.column.name == "5xx") {
      for (auto& c : contentColumns(rows)) out.push_back(std::move(c));
    }
    if ((spec.group == Group::kLimiting && !limiting) || (spec.group == Group::kFaults && !faults)) continue;
    out.push_back(spec.column);
  }
  return out;
}

std::string compareColumnsHelp() {
  std::string out =
      "COLUMNS (the rate-limit ones appear when a row's rate limits decided a request, the breaker ones\n"
      "when a row has a failure fault or a breaker that changed state, the content ones (kB to clients to\n"
      "fetches/stampede) when a row's services answer with bodies (kind, body_bytes) or its routes cache,\n"
      "aggregate or transform, each only when a row has its data; \"-\": does not apply to the row)\n";
  for (const auto& spec : allColumns()) {
    if (spec.column.name == "5xx") {
      for (const auto& [name, meaning] : contentColumnsHelp()) out += fmt::format("  {:<16} {}\n", name, wrap(meaning, 72, 19));
    }
    out += fmt::format("  {:<16} {}\n", spec.column.name, wrap(spec.column.meaning, 72, 19));
  }
  return out;
}

std::string formatCompareText(const std::string& header, const std::vector<CompareColumn>& columns,
                              const std::vector<CompareRow>& rows, bool md) {
  const auto table = cells(header, columns, rows);
  std::vector<std::size_t> width(table[0].size(), 0);
  for (const auto& line : table) {
    for (std::size_t i = 0; i < line.size(); ++i) width[i] = std::max(width[i], line[i].size());
  }
  std::string out;
  for (std::size_t r = 0; r < table.size(); ++r) {
    std::string line = md ? "|" : "";
    for (std::size_t i = 0; i < table[r].size(); ++i) {
      const std::string& cell = table[r][i];
      const std::string pad(width[i] - cell.size(), ' ');
      if (md) line += ' ';
      else if (i > 0) line.append(2, ' ');
      if (i == 0) line.append(cell).append(pad);
      else line.append(pad).append(cell);
      if (md) line.append(" |");
    }
    out.append(line).append("\n");
    if (r == 0) {
      std::string sep = md ? "|" : "";
      for (std::size_t i = 0; i < width.size(); ++i) {
        if (md) sep.append(i == 0 ? " :" : " ").append(width[i] - 1, '-').append(i == 0 ? " |" : ": |");
        else sep.append(i == 0 ? 0 : 2, ' ').append(width[i], '-');
      }
      out.append(sep).append("\n");
    }
  }
  for (const auto& row : rows) {
    if (row.failedExpectations() == 0) continue;
    out += fmt::format("\nFAILED in {}:\n", row.label);
    for (const auto& e : row.result->expectations) {
      if (e.passed) continue;
      out += fmt::format("{}{}  (actual {})\n", md ? "- " : "  ", e.text,
                         e.actual ? fmt::format("{:.4g}", *e.actual) : std::string("no such metric"));
    }
  }
  out += md ? "\nColumns (\"-\": does not apply to the row):\n\n" : "\nColumns (\"-\": does not apply to the row):\n";
  std::size_t nameWidth = 0;
  for (const auto& c : columns) nameWidth = std::max(nameWidth, c.name.size());
  for (const auto& c : columns) {
    out += md ? fmt::format("- **{}**: {}\n", c.name, c.meaning)
              : fmt::format("  {:<{}}  {}\n", c.name, nameWidth, wrap(c.meaning, 96 - nameWidth, nameWidth + 4));
  }
  return out;
}

std::string formatCompareCsv(const std::string& header, const std::vector<CompareColumn>& columns,
                             const std::vector<CompareRow>& rows) {
  std::string out;
  for (const auto& line : cells(header, columns, rows)) {
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (i > 0) out += ',';
      out += csvCell(line[i]);
    }
    out += "\n";
  }
  return out;
}

nlohmann::json compareJson(const std::vector<CompareColumn>& columns, const std::vector<CompareRow>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& row : rows) {
    nlohmann::json j = {{"variant", row.label}, {"as_written", row.asWritten},
                        {"expectations_failed", row.failedExpectations()}};
    for (const auto& c : columns) {
      const auto cell = c.cell(row);
      j[c.name] = cell ? nlohmann::json(*cell) : nlohmann::json(nullptr);
    }
    j["result"] = row.result->toJson();
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace gwsim
