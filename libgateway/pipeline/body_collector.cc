#include "libgateway/pipeline/body_collector.h"

namespace gateway {

BodyCollector::BodyCollector(Env& env, std::shared_ptr<BodyStream> stream, std::size_t limit, Done done)
    : env_(env), stream_(std::move(stream)), limit_(limit), done_(std::move(done)) {}

BodyCollector::~BodyCollector() {
  if (timer_ != 0) env_.scheduler.cancel(timer_);
  if (stream_) stream_->onReadable(nullptr);
}

std::shared_ptr<BodyStream> BodyCollector::release() {
  if (stream_) stream_->onReadable(nullptr);
  return std::move(stream_);
}

void BodyCollector::start() {
  if (stream_->length() && *stream_->length() > limit_) return settle(Result::kTooLarge);
  stream_->onReadable([this] { drain(); });
  drain();
}

void BodyCollector::drain() {
  if (settled_) return;
  const std::string_view data = stream_->data();
  if (body_.size() + data.size() > limit_) return settle(Result::kTooLarge);
  body_.append(data);
  stream_->consume(data.size());
  if (stream_->failed()) {
    error_ = stream_->error();
    return settle(Result::kFailed);
  }
  if (stream_->finished()) settle(Result::kComplete);
}

void BodyCollector::settle(Result result) {
  settled_ = true;
  result_ = result;
  stream_->onReadable(nullptr);
  timer_ = env_.scheduler.schedule(env_.clock.now(), [this] { deliver(); });
}

void BodyCollector::deliver() {
  timer_ = 0;
  // The continuation may destroy this collector: nothing here is touched after it.
  auto done = std::move(done_);
  done(result_, std::move(body_));
}

}  // namespace gateway
