// The per-request CSV trace (--trace): a header line, then one line per completed exchange
// (times, client, consumer, route, limiter decision, instance, outcome, status, latencies).
// One thread, not thread-safe; the file is the caller's and must stay open while it writes.
#pragma once

#include <cstdio>

#include "libgateway/pipeline/exchange.h"

namespace gwsim {

class TraceWriter {
 public:
  // Writes the header when `out` is set; a null `out` writes nothing, ever.
  explicit TraceWriter(std::FILE* out);

  bool enabled() const { return out_ != nullptr; }
  // Only when enabled().
  void write(const gateway::Exchange& ex, const gateway::Response& response) const;

 private:
  std::FILE* out_;
};

}  // namespace gwsim
