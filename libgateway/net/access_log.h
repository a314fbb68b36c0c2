// Where JSON access-log lines go: a file (appended) or stdout ("-"). Workers format lines into
// their own buffers (ExchangeReporter) and hand over whole lines in batches, so lines never
// interleave. write() is thread-safe (a mutex around write(2)); the log owns its descriptor.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace gateway::net {

class AccessLog {
 public:
  // "-" is stdout. Null with `error` set when the file cannot be opened.
  static std::unique_ptr<AccessLog> open(const std::string& path, std::string& error);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  // Writes whole lines; a failed write is counted, never thrown.
  void write(std::string_view lines);
  std::uint64_t failedWrites() const { return failed_; }

 private:
  AccessLog(int fd, bool owned) : fd_(fd), owned_(owned) {}
  int fd_;
  bool owned_;
  std::mutex mutex_;
  std::uint64_t failed_ = 0;
};

}  // namespace gateway::net
