#include "sim/limiter/trace_parser.h"

#include <charconv>
#include <string_view>

namespace gwsim {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool parseInt(std::string_view s, std::int64_t& value) {
  if (s.empty() || s.front() == '-' || s.front() == '+') return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  return ec == std::errc() && end == s.data() + s.size();
}

std::string quoted(std::string_view s) {
  constexpr std::size_t kMax = 40;
  std::string q = "\"";
  q += s.size() > kMax ? std::string(s.substr(0, kMax)) + "..." : std::string(s);
  q += '"';
  return q;
}

}  // namespace

Trace parseTrace(std::istream& in, int maxErrors) {
  Trace trace;
  std::string line;
  int lineNo = 0;
  int errorCount = 0;
  bool sawData = false;
  gateway::TimePoint previous = 0;
  int previousLine = 0;
  auto fail = [&](std::string message) {
    ++errorCount;
    if (errorCount <= maxErrors) trace.errors.push_back({lineNo, std::move(message)});
  };
  while (std::getline(in, line)) {
    ++lineNo;
    const std::string_view text = trim(line);
    if (text.empty() || text.front() == '#') continue;
    if (!sawData && (text == "t_us,key" || text == "t_us,key,cost")) {
      sawData = true;
      continue;
    }
    sawData = true;
    std::string_view fields[4];
    int count = 0;
    for (std::string_view rest = text;; ++count) {
      const std::size_t comma = rest.find(',');
      if (count < 4) fields[count] = trim(rest.substr(0, comma));
      if (comma == std::string_view::npos) {
        ++count;
        break;
      }
      rest.remove_prefix(comma + 1);
    }
    if (count < 2 || count > 3) {
      fail("expected t_us,key[,cost] but found " + std::to_string(count) + " field" + (count == 1 ? "" : "s"));
      continue;
    }
    TraceRequest r;
    r.line = lineNo;
    if (!parseInt(fields[0], r.at)) {
      fail("time " + quoted(fields[0]) + " is not an integer number of microseconds >= 0");
      continue;
    }
    if (fields[1].empty()) {
      fail("empty key");
      continue;
    }
    r.key = std::string(fields[1]);
    if (count == 3 && (!parseInt(fields[2], r.cost) || r.cost < 1 || r.cost > kMaxTraceCost)) {
      fail("cost " + quoted(fields[2]) + " is not an integer from 1 to " + std::to_string(kMaxTraceCost));
      continue;
    }
    if (r.at < previous) {
      fail("time " + std::to_string(r.at) + " is earlier than " + std::to_string(previous) + " on line " +
           std::to_string(previousLine) + "; times must be non-decreasing");
      continue;
    }
    previous = r.at;
    previousLine = lineNo;
    trace.requests.push_back(std::move(r));
  }
  if (errorCount > maxErrors && !trace.errors.empty()) {
    trace.errors.back().message += " (and " + std::to_string(errorCount - maxErrors) + " more errors)";
  }
  return trace;
}

std::string formatTraceError(const std::string& source, const TraceError& error) {
  return source + ":" + std::to_string(error.line) + ": " + error.message;
}

}  // namespace gwsim
