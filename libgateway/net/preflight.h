// What gatewayd checks before it binds or opens anything, on the settings in effect (the
// defaults, the config file's "server" section and the flags laid together): problems the
// config loader cannot see because they come from a flag or from two layers at once, and
// whether the access log could be opened. Used by the start and by `gatewayd --check`.
// Pure functions (the access-log check only asks the file system).
#pragma once

#include <string>
#include <vector>

#include "libgateway/config/config.h"
#include "libgateway/net/gateway_options.h"

namespace gateway::net {

// Problems in the settings `defaults` (with its commandLine layer) and the file's server
// section make together; `fileLabel` names the file in messages. Found: an address given as
// a flag that is not "host:port" (the loader checks the file's own), an empty --access-log,
// listen and admin on one address (the same port, non-zero, on the same host or with one of
// them on 0.0.0.0 or [::]), an empty --admin-token-file, and an admin token file that cannot be
// read or holds no usable token (admin_token.h). Each message names where the values came
// from: "--admin", "/server/admin in FILE" or "the default". Empty when the settings can be
// tried.
std::vector<std::string> layeredSettingsProblems(const GatewayOptions& defaults, const ServerConfig& file,
                                                 const std::string& fileLabel);

// True when an access log at `path` could be opened for appending: "" (none) and "-"
// (stdout) always; a file that exists and may be written, or a missing file in a directory
// that exists and may be written. Otherwise false with `why` set. Creates nothing.
bool accessLogWritable(const std::string& path, std::string& why);

}  // namespace gateway::net
