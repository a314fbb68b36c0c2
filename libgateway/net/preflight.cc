#include "libgateway/net/preflight.h"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <optional>

#include <fmt/format.h>

#include "libgateway/config/field_checks.h"
#include "libgateway/http/host_port.h"
#include "libgateway/net/admin_token.h"

namespace gateway::net {

namespace {

// Where a setting in effect came from, most specific layer first.
struct Source {
  int layer = 0;  // 0 the default, 1 the file, 2 a flag
  std::string label;
};

Source sourceOf(const std::optional<std::string>& flag, const std::optional<std::string>& file, const char* key,
                const std::string& fileLabel) {
  if (flag) return {2, fmt::format("--{}", key)};
  if (file) return {1, fmt::format("/server/{} in {}", key, fileLabel)};
  return {0, "the default"};
}

struct Endpoint {
  std::string host;  // "localhost" as 127.0.0.1
  unsigned port = 0;
};

std::optional<Endpoint> endpointOf(const std::string& address) {
  std::string why;
  const auto parts = gateway::splitHostPort(address, why);
  if (!parts) return std::nullopt;
  Endpoint e;
  e.host = parts->host == "localhost" ? "127.0.0.1" : std::string(parts->host);
  const auto [end, ec] = std::from_chars(parts->port.data(), parts->port.data() + parts->port.size(), e.port);
  if (ec != std::errc() || end != parts->port.data() + parts->port.size()) return std::nullopt;
  return e;
}

bool wildcard(const std::string& host) { return host == "0.0.0.0" || host == "::"; }

// Two listening sockets on these addresses would collide: the same non-zero port on the same
// host, or on any host when one of them takes every address of the machine.
bool collide(const std::string& a, const std::string& b) {
  const auto x = endpointOf(a), y = endpointOf(b);
  if (!x || !y || x->port == 0 || x->port != y->port) return false;
  return x->host == y->host || wildcard(x->host) || wildcard(y->host);
}

}  // namespace

std::vector<std::string> layeredSettingsProblems(const GatewayOptions& defaults, const ServerConfig& file,
                                                 const std::string& fileLabel) {
  std::vector<std::string> out;
  const ServerConfig& cli = defaults.commandLine;
  bool addressesOk = true;
  for (const auto& [flag, value] : {std::pair{"--listen", &cli.listen}, std::pair{"--admin", &cli.admin}}) {
    std::string why;
    if (*value && !validListenAddress(**value, why)) {
      out.push_back(fmt::format("{}: bad address \"{}\": {}", flag, **value, why));
      addressesOk = false;
    }
  }
  if (cli.accessLog && cli.accessLog->empty()) {
    out.push_back("--access-log: must not be empty (a file, or - for stdout; leave the flag out for no log)");
  }
  if (cli.adminTokenFile && cli.adminTokenFile->empty()) {
    out.push_back("--admin-token-file: must not be empty (a file holding the token; leave the flag out for none)");
  }
  const GatewayOptions settings = resolveOptions(defaults, file);
  if (!settings.adminTokenFile.empty()) {
    std::string why;
    if (!readAdminToken(settings.adminTokenFile, why)) {
      const std::string from = cli.adminTokenFile ? "--admin-token-file"
                                                  : fmt::format("/server/admin_token_file in {}", fileLabel);
      out.push_back(fmt::format("{}: {}", from, why));
    }
  }
  if (!addressesOk) return out;

  if (collide(settings.listen, settings.admin)) {
    const Source listen = sourceOf(cli.listen, file.listen, "listen", fileLabel);
    const Source admin = sourceOf(cli.admin, file.admin, "admin", fileLabel);
    // The message goes to the setting that came last (a flag over the file over the default).
    const bool blameListen = listen.layer > admin.layer;
    const Source& blamed = blameListen ? listen : admin;
    const Source& other = blameListen ? admin : listen;
    const std::string& blamedValue = blameListen ? settings.listen : settings.admin;
    const std::string& otherValue = blameListen ? settings.admin : settings.listen;
    const std::string sameWhat = blamedValue == otherValue
                                     ? fmt::format("the same address as {}", blameListen ? "admin" : "listen")
                                     : fmt::format("\"{}\" overlaps {}", blamedValue, blameListen ? "admin" : "listen");
    out.push_back(fmt::format("{}: {} (\"{}\", from {}); the gateway and its admin API each need an address of "
                              "their own (port 0 picks a free one)",
                              blamed.label, sameWhat, otherValue, other.label));
  }
  return out;
}

bool accessLogWritable(const std::string& path, std::string& why) {
  if (path.empty() || path == "-") return true;
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path file(path);
  if (fs::exists(file, ec)) {
    if (fs::is_directory(file, ec)) {
      why = fmt::format("access log \"{}\" is a directory", path);
      return false;
    }
    if (::access(path.c_str(), W_OK) != 0) {
      why = fmt::format("cannot open access log \"{}\" for writing: {}", path, std::strerror(errno));
      return false;
    }
    return true;
  }
  const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec)) {
    why = fmt::format("cannot create access log \"{}\": no directory \"{}\"", path, dir.string());
    return false;
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    why = fmt::format("cannot create access log \"{}\" in \"{}\": {}", path, dir.string(), std::strerror(errno));
    return false;
  }
  return true;
}

}  // namespace gateway::net
