// Request traces for `gwsim limiter`: one request per line, `t_us,key[,cost]`. Parsing is a
// pure function of the text (no I/O besides the stream given); errors carry line numbers.
// Format, as documented in `gwsim limiter --help`:
//   - t_us: integer microseconds >= 0, non-decreasing from line to line;
//   - key: any text without commas (surrounding blanks trimmed), non-empty;
//   - cost: optional integer 1..1e9, default 1;
//   - blank lines and lines starting with `#` are ignored; the first data line may be the
//     header `t_us,key` or `t_us,key,cost`; CRLF line ends are accepted.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "libgateway/core/time.h"

namespace gwsim {

struct TraceRequest {
  gateway::TimePoint at = 0;
  std::string key;
  std::int64_t cost = 1;
  int line = 0;  // 1-based line number in the input
};

struct TraceError {
  int line = 0;
  std::string message;
};

struct Trace {
  std::vector<TraceRequest> requests;
  std::vector<TraceError> errors;  // at most the maxErrors given to parseTrace
  bool ok() const { return errors.empty(); }
};

inline constexpr std::int64_t kMaxTraceCost = 1'000'000'000;

// Reads the whole stream. Keeps the first `maxErrors` errors; the last one kept then says
// how many more there were. A malformed line is skipped (it does not become a request).
Trace parseTrace(std::istream& in, int maxErrors = 20);

// "trace.csv:12: <message>"; `source` is the file name or "<stdin>".
std::string formatTraceError(const std::string& source, const TraceError& error);

}  // namespace gwsim
