// `gwload rate URL --rate R [--duration S] ...`: open-loop load at a constant or Poisson
// rate; the report as text or JSON; --expect thresholds decide the exit status.
// Options and output: tools/gwload/README.md.
#pragma once

#include <string>
#include <vector>

#include "tools/gwload/command.h"
#include "tools/gwload/load_runner.h"

namespace gwload {

Command addRateCommand(CLI::App& app);

// The flags as given, checked into a plan (exit status 2 on an error, named in `error`).
struct RateFlags {
  std::string url;
  double rate = 0;
  double durationS = 10;
  double warmupS = 0;
  std::string arrival = "constant";
  std::uint64_t seed = 1;
  std::size_t connectionsMax = 64;
  double timeoutMs = 10'000;
  std::string method = "GET";
  std::vector<std::string> headers;
  std::string body;
  std::string format = "text";
  std::vector<std::string> expects;
  bool quiet = false;
  bool progress = false;
  int threads = 1;
};

struct CheckedRate {
  RunPlan plan;
  std::vector<Threshold> thresholds;
  bool json = false;
};

std::optional<CheckedRate> checkRateFlags(const RateFlags& flags, std::string& error);

// The exit status for a finished run: 3 when nothing got a response, 1 when a threshold
// failed, else 0; `err` hears why.
int rateExitStatus(const Report& report, const std::vector<Verdict>& verdicts, std::ostream& err);

}  // namespace gwload
