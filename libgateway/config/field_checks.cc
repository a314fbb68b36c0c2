#include "libgateway/config/field_checks.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "libgateway/http/host_port.h"

namespace gateway {

namespace {

// The port part of an address: digits, at most 5, in [minPort, 65535].
bool validPort(std::string_view port, int minPort, std::string& why) {
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    why = fmt::format("port \"{}\" is not a number", port);
    return false;
  }
  const int p = std::stoi(std::string(port));
  if (p < minPort || p > 65535) {
    why = fmt::format("port {} is out of range {}-65535", p, minPort);
    return false;
  }
  return true;
}

}  // namespace

bool validAddress(std::string_view address, std::string& why) {
  // Kong and Envoy users often write a URL here; the transport would fail on every request.
  if (address.find("://") != std::string_view::npos) {
    why = "write \"host:port\" without a scheme";
    return false;
  }
  const auto colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    why = "expected \"host:port\"";
    return false;
  }
  const std::string_view host = address.substr(0, colon);
  if (host.find_first_of("/?#@ \t") != std::string_view::npos) {
    why = fmt::format("\"{}\" is not a host name or IP address", host);
    return false;
  }
  return validPort(address.substr(colon + 1), 1, why);
}

bool validListenAddress(std::string_view address, std::string& why) {
  if (address.find("://") != std::string_view::npos) {
    why = "write \"host:port\" without a scheme";
    return false;
  }
  const auto parts = splitHostPort(address, why);
  if (!parts) return false;
  const auto [host, port] = *parts;
  if (host.empty() && address.front() != '[') {
    why = "expected \"host:port\"";
    return false;
  }
  if (!validPort(port, 0, why)) return false;
  // The listener binds one address: a name other than localhost would need a resolver.
  const std::string h(host);
  unsigned char bytes[16];
  const bool v6 = address.front() == '[';
  if (h == "localhost" && !v6) return true;
  if (::inet_pton(v6 ? AF_INET6 : AF_INET, h.c_str(), bytes) == 1) return true;
  why = fmt::format("\"{}\" is not an IP address or \"localhost\"", host);
  return false;
}

bool validToken(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

std::optional<Duration> millisField(JsonReader& r, std::string_view key, std::int64_t min, std::int64_t max) {
  auto v = r.integer(key, min, max);
  if (!v) return std::nullopt;
  return millis(*v);
}

}  // namespace gateway
