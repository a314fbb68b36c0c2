#include "libgateway/http/body_stream.h"

namespace gateway {

BodyStream::BodyStream(std::optional<std::uint64_t> length, std::size_t capacity)
    : length_(length), capacity_(capacity == 0 ? 1 : capacity) {}

BodyStream::~BodyStream() {
  if (!ended_ && !failed_ && onAbandoned_) {
    auto abandoned = std::move(onAbandoned_);
    abandoned();
  }
  // Guards go last, after the writer heard the reader has gone.
  guards_.clear();
}

void BodyStream::consume(std::size_t n) {
  if (n > buffered()) n = buffered();
  readOffset_ += n;
  read_ += n;
  if (readOffset_ == buffer_.size()) {
    buffer_.clear();
    readOffset_ = 0;
  } else if (readOffset_ >= capacity_ / 2 && readOffset_ >= buffer_.size() / 2) {
    // Keep the buffer from growing past capacity plus one write: drop what was read.
    buffer_.erase(0, readOffset_);
    readOffset_ = 0;
  }
  if (writerWaiting_ && room() > 0) {
    writerWaiting_ = false;
    if (onWritable_) onWritable_();
  }
}

void BodyStream::write(std::string_view bytes) {
  if (ended_ || failed_ || bytes.empty()) return;
  // The capacity once (a writer may overshoot it by one read): no doubling past the bound.
  if (buffer_.capacity() < capacity_) buffer_.reserve(capacity_);
  buffer_.append(bytes);
  written_ += bytes.size();
  if (room() == 0) writerWaiting_ = true;
  notifyReader();
}

void BodyStream::end() {
  if (ended_ || failed_) return;
  ended_ = true;
  notifyReader();
}

void BodyStream::fail(std::string reason) {
  if (ended_ || failed_) return;
  failed_ = true;
  error_ = std::move(reason);
  notifyReader();
}

}  // namespace gateway
