// The running config as the admin API shows it (GET /config): the JSON document the config
// was loaded from, kept beside it at start and at every accepted reload, with its secrets
// replaced. Redacted: auth.jwt keys' "secret" and "secret_base64url", consumers' "api_keys"
// (each becomes "redacted-C-K", consumer C's key K, so the document still loads), and the
// values a route matches in credential headers (Authorization, Proxy-Authorization, Cookie,
// the API-key header), and rate_limits.cluster.password (Redis AUTH). Public keys, file paths
// and everything else are shown as written.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "libgateway/config/config_loader.h"

namespace gateway::net {

// What the string that replaces a secret says.
inline constexpr const char* kRedacted = "(redacted)";

struct ConfigSource {
  ConfigLoad load;
  nlohmann::json redacted;  // the document with its secrets replaced; null when load failed
};

// loadConfigFile (config_loader.h) that also keeps the redacted document, read in the same
// pass (the file may change between two reads).
ConfigSource loadConfigSource(const std::string& filePath);

// `document` with its secrets replaced (above). Anything not shaped like a config is left.
nlohmann::json redactConfig(nlohmann::json document);

}  // namespace gateway::net
