// Helpers for gwdash's tests: a session on a shipped scenario.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "tools/gwdash/model/sim_session.h"

namespace gwdash::testing {

inline std::string shippedScenarioPath(const std::string& name) {
  return std::string(GATEWAY_SOURCE_DIR) + "/scenarios/" + name;
}

// A session on scenarios/NAME; fails the test (and returns null) when it does not load.
inline std::unique_ptr<SimSession> openShippedSession(const std::string& name,
                                                      std::optional<std::uint64_t> seed = {}) {
  gateway::FieldErrors errors;
  auto session = SimSession::open(shippedScenarioPath(name), seed, errors);
  EXPECT_TRUE(session) << errors.text();
  return session;
}

}  // namespace gwdash::testing
