// Loads and validates a gateway Config from JSON. Every problem is reported, each with its
// JSON Pointer path ("/routes/3/service: unknown service \"ordrs\""); a config with any
// error is refused whole, so a bad reload leaves the running config in place.
// Free functions, no shared state: safe from any thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "libgateway/config/config.h"
#include "libgateway/config/json_reader.h"

namespace gateway {

struct ConfigLoad {
  std::shared_ptr<const Config> config;  // null when errors is not empty
  FieldErrors errors;
  bool ok() const { return config != nullptr; }
};

// `fileDir` resolves relative key files (auth.jwt); "" means the working directory.
ConfigLoad parseConfig(std::string_view jsonText, std::string_view fileDir = "");
// `basePath` prefixes every error path, for configs embedded in scenario files ("/gateway").
ConfigLoad loadConfigJson(const nlohmann::json& document, std::string_view basePath = "", std::string_view fileDir = "");
// Reads a file; a missing or unreadable file is one error at path "". Key files named in it
// are relative to its folder.
ConfigLoad loadConfigFile(const std::string& filePath);

// Reads a whole file into `out`; false with a message in `error` when it cannot.
bool readTextFile(const std::string& filePath, std::string& out, std::string& error);
// A file named in the config: relative to the config file's folder `fileDir` ("" or an
// absolute `file`: as written).
std::string configFilePath(const std::string& fileDir, const std::string& file);

}  // namespace gateway
