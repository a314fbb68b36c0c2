// `gwsim limiter compare`: several policies over one trace, one ReplaySummary each, and the
// report in table, CSV or JSON form. Pure functions over values; thread-compatible.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "sim/limiter/limiter_replay.h"
#include "sim/limiter/trace_parser.h"

namespace gwsim {

enum class ReportFormat { kTable, kCsv, kJson };
std::optional<ReportFormat> parseReportFormat(std::string_view name);

// Replays `trace` under `options` (which must pass LimiterReplay::validate); writes one
// formatDecisionLine per request to `decisions` when given.
ReplaySummary replayTrace(const Trace& trace, const ReplayOptions& options, std::ostream* decisions = nullptr);

// One summary per options entry, in order.
std::vector<ReplaySummary> compareLimiters(const Trace& trace, const std::vector<ReplayOptions>& options);

// Table columns: algorithm, admitted, denied, most admitted by one key in any window of the
// measured length, the reference limit, overshoot (ratio), mean and max delay, bytes/key.
std::string formatSummaries(const std::vector<ReplaySummary>& summaries, ReportFormat format);

}  // namespace gwsim
