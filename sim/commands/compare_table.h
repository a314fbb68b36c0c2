// The table `gwsim compare` prints: its columns, what each one means (the legend printed
// under the table and in `gwsim compare --help`), when a column does not apply to a row
// (shown "-", null in JSON), and the text, Markdown, CSV and JSON renderings.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/report/run_result.h"
#include "sim/scenario/scenario.h"

namespace gwsim {

struct CompareRow {
  std::string label;
  bool asWritten = false;
  const Scenario* scenario = nullptr;  // the variant, as loaded
  const RunResult* result = nullptr;
  std::size_t failedExpectations() const;
};

struct CompareColumn {
  std::string name;
  std::string meaning;
  // The cell; nullopt when the column does not apply to the row's scenario.
  std::function<std::optional<std::string>(const CompareRow&)> cell;
};

// The columns shown for `rows`: the rate-limit ones when any row's limiter decided a request,
// the breaker ones when any row has a failure fault or a breaker that changed state.
std::vector<CompareColumn> compareColumns(const std::vector<CompareRow>& rows);

// What every column means and when it shows "-", for `gwsim compare --help`.
std::string compareColumnsHelp();

// The table, the failed expectations of failing rows, then the legend of the columns shown.
std::string formatCompareText(const std::string& header, const std::vector<CompareColumn>& columns,
                              const std::vector<CompareRow>& rows, bool markdown);
std::string formatCompareCsv(const std::string& header, const std::vector<CompareColumn>& columns,
                             const std::vector<CompareRow>& rows);
// One object per row: "variant", "as_written", "expectations_failed", every column (a string,
// or null where it does not apply) and the row's whole "result".
nlohmann::json compareJson(const std::vector<CompareColumn>& columns, const std::vector<CompareRow>& rows);

}  // namespace gwsim
