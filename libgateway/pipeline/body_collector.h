// Reads a streamed body whole, within a limit: how the Gateway gives a stage that must see a
// whole body (stage.h) what it asks for. The result is handed over through the Scheduler,
// never from inside the stream's own callbacks, so the continuation may drop the stream and
// the collector. One thread; the Env outlives it. Destroying it stops the reading.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "libgateway/core/env.h"
#include "libgateway/http/body_stream.h"

namespace gateway {

class BodyCollector {
 public:
  enum class Result { kComplete, kTooLarge, kFailed };
  using Done = std::function<void(Result result, std::string body)>;

  BodyCollector(Env& env, std::shared_ptr<BodyStream> stream, std::size_t limit, Done done);
  ~BodyCollector();
  BodyCollector(const BodyCollector&) = delete;
  BodyCollector& operator=(const BodyCollector&) = delete;

  // Reads what is there and listens for the rest.
  void start();
  // Why the stream failed (for kFailed).
  const std::string& error() const { return error_; }
  // Hands back the stream (after kTooLarge: what was not read is still in it), and stops.
  std::shared_ptr<BodyStream> release();

 private:
  void drain();
  void settle(Result result);
  void deliver();

  Env& env_;
  std::shared_ptr<BodyStream> stream_;
  std::size_t limit_;
  Done done_;
  std::string body_;
  std::string error_;
  Result result_ = Result::kComplete;
  bool settled_ = false;
  TimerId timer_ = 0;
};

}  // namespace gateway
