// A small blocking HTTP/1.1 client for gatewayd's admin API (Boost.Beast): GET requests on
// one keep-alive connection, opened on first use and again after any failure; every step
// (connect, write, read) is bounded by the timeout. Used by one thread; stop() may be called
// from any thread and makes the call in progress, and every later one, fail at once.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace gwdash {

// "http://127.0.0.1:9901" (a trailing "/" allowed): host and port. False with `error` naming
// what is wrong.
struct AdminUrl {
  std::string host;
  std::string port;
};
bool parseAdminUrl(const std::string& url, AdminUrl& out, std::string& error);

struct AdminReply {
  int status = 0;
  std::string body;
};

class AdminClient {
 public:
  AdminClient(AdminUrl url, std::chrono::milliseconds timeout);
  ~AdminClient();
  AdminClient(const AdminClient&) = delete;
  AdminClient& operator=(const AdminClient&) = delete;

  // GET `target`: the answer whatever its status, or nullopt with `error` ("GET /stats:
  // connection refused"). A reused connection the server closed meanwhile is retried once.
  std::optional<AdminReply> get(const std::string& target, std::string& error);
  void close();
  void stop();

 private:
  struct Io;
  std::optional<AdminReply> attempt(const std::string& target, std::string& error);
  AdminUrl url_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<Io> io_;
  std::atomic<bool> stopped_{false};
};

}  // namespace gwdash
