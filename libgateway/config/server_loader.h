// Loading of the server section: gatewayd's listen and admin addresses, threads, access log,
// drain timeout, client-side limits and upstream pool sizes. Only plain values are stored;
// gatewayd applies them under its command-line flags (libgateway/README.md, "server").
// Every problem is reported with its JSON path (config_loader.h drives it). Free function.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "libgateway/config/config.h"
#include "libgateway/config/json_reader.h"

namespace gateway {

// `fileDir` resolves a relative access_log path (the config file's folder; "" = as written).
void loadServer(const nlohmann::json& value, const std::string& path, const std::string& fileDir, ServerConfig& out,
                FieldErrors& errors);

}  // namespace gateway
