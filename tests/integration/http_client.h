// A small blocking HTTP/1.1 client over POSIX sockets for integration tests: raw bytes out
// (so tests can send malformed and smuggling requests), responses parsed with a deadline
// (Content-Length, chunked, or until close). Every call is bounded by its timeout.
// Not thread-safe; one connection per owner.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gateway::testing {

using namespace std::chrono_literals;

struct HttpReply {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool chunked = false;  // the response came chunked
  // First value of a header (case-insensitive), or "".
  std::string header(std::string_view name) const;
  bool has(std::string_view name) const;
};

class HttpConnection {
 public:
  // "127.0.0.1:8080". Null with `error` set when the connection fails.
  static std::unique_ptr<HttpConnection> open(const std::string& address, std::string& error,
                                              std::chrono::milliseconds timeout = 2000ms);
  ~HttpConnection();

  bool send(std::string_view bytes);
  // Half-closes: the peer reads EOF after what was sent.
  void shutdownWrite();
  // One response; nullopt on timeout, EOF before a whole response, or a parse error.
  std::optional<HttpReply> read(std::chrono::milliseconds timeout = 5000ms, bool headRequest = false);
  // True once the peer closed (EOF or reset) within `timeout`; discards what it reads.
  bool waitClosed(std::chrono::milliseconds timeout = 5000ms);
  // Sends a request (Host added; Content-Length added for a non-empty body) and reads the answer.
  std::optional<HttpReply> request(std::string_view method, std::string_view target,
                                   const std::vector<std::pair<std::string, std::string>>& headers = {},
                                   std::string_view body = {}, std::chrono::milliseconds timeout = 5000ms);
  const std::string& address() const { return address_; }

 private:
  HttpConnection(int fd, std::string address) : fd_(fd), address_(std::move(address)) {}
  // Reads more bytes into buffer_; false on EOF, error or timeout.
  bool fill(std::chrono::steady_clock::time_point deadline);
  int fd_;
  std::string address_;
  std::string buffer_;
};

// Builds a request's bytes: request line, Host, the given headers, Content-Length when the
// body is not empty, the body.
std::string buildRequest(std::string_view method, std::string_view target, std::string_view host,
                         const std::vector<std::pair<std::string, std::string>>& headers = {},
                         std::string_view body = {});

// One request on a fresh connection; status 0 when it failed (the reason in body).
HttpReply fetch(const std::string& address, std::string_view method, std::string_view target,
                const std::vector<std::pair<std::string, std::string>>& headers = {}, std::string_view body = {},
                std::chrono::milliseconds timeout = 5000ms);

}  // namespace gateway::testing
