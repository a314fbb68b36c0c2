#include "libgateway/pipeline/upstream_request.h"

#include "libgateway/http/bearer.h"

namespace gateway {

namespace {

// The fixed hop-by-hop fields (RFC 9110 7.6.1), sorted by length first so most names are
// rejected without a comparison.
bool standardHopByHop(std::string_view name) {
  switch (name.size()) {
    case 2: return iequals(name, "te");
    case 7: return iequals(name, "trailer") || iequals(name, "upgrade");
    case 10: return iequals(name, "connection") || iequals(name, "keep-alive");
    case 16: return iequals(name, "proxy-connection");
    case 17: return iequals(name, "transfer-encoding");
    case 19: return iequals(name, "proxy-authorization");
    default: return false;
  }
}

// The field names listed in Connection values: hop-by-hop too. Views into `headers`, which
// stay valid while fields are only removed. Most messages have no Connection field.
void connectionNamed(const Headers& headers, std::vector<std::string_view>& named) {
  for (const Headers::Field f : headers) {
    if (f.name.size() != 10 || !iequals(f.name, "connection")) continue;
    std::string_view value = f.value;
    std::size_t start = 0;
    while (start <= value.size()) {
      auto comma = value.find(',', start);
      if (comma == std::string_view::npos) comma = value.size();
      std::string_view token = value.substr(start, comma - start);
      while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
      while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
      if (!token.empty()) named.push_back(token);
      start = comma + 1;
    }
  }
}

bool hopByHop(std::string_view name, const std::vector<std::string_view>& named) {
  if (standardHopByHop(name)) return true;
  for (auto n : named) {
    if (iequals(name, n)) return true;
  }
  return false;
}

}  // namespace

void removeHopByHopHeaders(Headers& headers) {
  std::vector<std::string_view> named;
  connectionNamed(headers, named);
  headers.removeIf([&](const Headers::Field& f) { return hopByHop(f.name, named); });
}

void buildUpstreamRequest(const Request& client, std::string* target, const UpstreamRequestParts& parts, Request& up,
                          std::string& forwardedFor, std::vector<std::string_view>& hopNames) {
  up.method = client.method;
  if (target) up.target = std::move(*target);
  else up.target = client.target;
  // One pass over the client's fields: hop-by-hop ones dropped, and those the gateway sets
  // (forwarding, correlation, trace context) left for after the loop.
  const Headers& in = client.headers;
  const std::string_view ip = client.clientIp();
  forwardedFor.clear();
  hopNames.clear();
  connectionNamed(in, hopNames);
  bool hasProto = false;
  // Room for what the gateway adds: forwarding (with an X-Forwarded-For chain), correlation
  // and traceparent (about 170 bytes), and a per-try Host.
  up.headers.reserve(in.size() + 5, in.textBytes() + 240);
  for (const Headers::Field f : in) {
    if (hopByHop(f.name, hopNames)) continue;
    if (f.name.size() == 15 && iequals(f.name, "x-forwarded-for")) {
      // Several X-Forwarded-For fields are one comma-separated list (RFC 9110 5.3): keep them all.
      if (!ip.empty() && !f.value.empty()) forwardedFor.append(f.value).append(", ");
      else if (ip.empty()) up.headers.add(f.name, f.value);
      continue;
    }
    if (iequals(f.name, parts.correlationHeader) || (f.name.size() == 11 && iequals(f.name, "traceparent"))) continue;
    if (!parts.hiddenKeyField.empty() && iequals(f.name, parts.hiddenKeyField)) continue;
    if (parts.hideBearer && f.name.size() == 13 && iequals(f.name, "authorization") && bearerToken(f.value)) continue;
    if (f.name.size() == 17 && iequals(f.name, "x-forwarded-proto")) hasProto = true;
    up.headers.add(f.name, f.value);
  }
  if (!ip.empty()) {
    forwardedFor.append(ip);
    up.headers.add("X-Forwarded-For", forwardedFor);
  }
  if (!hasProto) up.headers.add("X-Forwarded-Proto", "http");
  up.headers.add(parts.correlationHeader, parts.correlationId);
  up.headers.add("traceparent", parts.traceParent);
  // The upstream Host (libgateway/README.md, "Upstream Host"): a fixed rewrite is set once;
  // the instance's own address is set per try, as retries change instance.
  if (parts.hostRewrite) up.headers.set("Host", *parts.hostRewrite);
  up.clientAddress = client.clientAddress;
}

}  // namespace gateway
