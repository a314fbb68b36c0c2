#include "tools/gwdash/model/policy_series.h"

#include <fmt/format.h>

#include "libgateway/core/random.h"

namespace gwdash {

std::string policyDigest(const std::string& canonical) {
  return fmt::format("{:016x}:{}", gateway::stableHash(canonical), canonical.size());
}

}  // namespace gwdash
