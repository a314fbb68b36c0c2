// What `mock-services --help` prints after the flags: every endpoint a mock instance serves
// (each service's paths, required query parameters and status codes; /_faults, /_stats,
// /_health, /_echo and the fault headers), the config format, the ready line and how to
// stop. mock-services/README.md says the same at more length; keep the two in step.
#pragma once

#include <string>

namespace gateway::mock {

std::string usageFooter();

}  // namespace gateway::mock
