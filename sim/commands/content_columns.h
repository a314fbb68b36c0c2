// gwsim compare's columns about what the answers carried and what the response cache,
// aggregation and transformation did (sim/report/content_report.h): shown only when a row
// reports content, each group only when a row has its data, so other tables stay as they were.
#pragma once

#include <string>
#include <vector>

#include "sim/commands/compare_table.h"

namespace gwsim {

// The content columns for `rows`, in order: kB to clients, up:SERVICE for every service of
// the rows, saved; partial when a row has an aggregation route; hit ratio, coalesced and
// stale served when a row has a cache; fetches/stampede when a row has a stampede measure.
std::vector<CompareColumn> contentColumns(const std::vector<CompareRow>& rows);

// Their lines of `gwsim compare --help` (name, meaning).
std::vector<std::pair<std::string, std::string>> contentColumnsHelp();

}  // namespace gwsim
