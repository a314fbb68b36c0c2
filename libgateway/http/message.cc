#include "libgateway/http/message.h"

#include <algorithm>

#include "libgateway/http/json_escape.h"


namespace gateway {

std::string_view Request::path() const {
  const auto q = target.find('?');
  return std::string_view(target).substr(0, q);
}

std::string_view Request::query() const {
  const auto q = target.find('?');
  if (q == std::string::npos) return {};
  return std::string_view(target).substr(q + 1);
}

std::string_view Request::host() const {
  std::string_view h = headers.get("host");
  if (!h.empty() && h.front() == '[') {  // [v6]:port
    const auto close = h.find(']');
    return close == std::string_view::npos ? h : h.substr(0, close + 1);
  }
  const auto colon = h.find(':');
  return colon == std::string_view::npos ? h : h.substr(0, colon);
}

std::string_view Request::clientIp() const {
  const std::string_view client = clientAddress;
  if (client.empty()) return client;
  if (client.front() == '[') return client.substr(1, client.find(']') - 1);
  if (std::count(client.begin(), client.end(), ':') == 1) return client.substr(0, client.find(':'));
  return client;
}

std::string_view reasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
  }
}

Response errorResponse(int status, std::string_view code, std::string_view message) {
  // Built by hand: error answers (404, 429, 502...) are on the hot path under overload.
  Response r;
  r.status = status;
  r.body.reserve(64 + code.size() + message.size());
  r.body += "{\"error\":{\"status\":";
  r.body += std::to_string(status);
  r.body += ",\"code\":";
  appendJsonString(r.body, code);
  r.body += ",\"message\":";
  appendJsonString(r.body, message);
  r.body += "}}";
  r.headers.set("Content-Type", "application/json");
  return r;
}

}  // namespace gateway
