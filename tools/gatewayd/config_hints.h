// How gatewayd reports a config file it cannot load: every error with its JSON path, or,
// for a gwsim scenario given by mistake (a file with a top-level "gateway" section), one
// hint saying that section is the gatewayd config, instead of a list of unknown fields.
#pragma once

#include <string>

#include "libgateway/config/json_reader.h"

namespace gatewayd {

// True when `path` holds a JSON object with a "gateway" object at the top: a gwsim scenario.
bool looksLikeScenario(const std::string& path);

// Prints the errors of loading `path` (or the scenario hint) on stderr.
void reportConfigErrors(const std::string& path, const gateway::FieldErrors& errors);

}  // namespace gatewayd
