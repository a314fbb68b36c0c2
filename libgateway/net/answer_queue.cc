#include "libgateway/net/answer_queue.h"

#include "libgateway/net/http_wire.h"

namespace gateway::net {

namespace {
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
}  // namespace

std::uint64_t AnswerQueue::add(bool head, bool keepAlive, bool http10) {
  Slot& slot = slots_.emplace_back();
  slot.sequence = nextSequence_++;
  slot.head = head;
  slot.keepAlive = keepAlive;
  slot.http10 = http10;
  return slot.sequence;
}

void AnswerQueue::addFinal(Response response) {
  Slot& slot = slots_.emplace_back();
  slot.sequence = nextSequence_++;
  slot.ready = true;
  slot.keepAlive = false;
  slot.response = std::move(response);
}

bool AnswerQueue::fill(std::uint64_t sequence, Response response) {
  if (slots_.empty()) return false;
  const std::uint64_t front = slots_.front().sequence;
  if (sequence < front || sequence - front >= slots_.size()) return false;
  Slot& slot = slots_[sequence - front];
  if (slot.ready) return false;
  slot.response = std::move(response);
  slot.ready = true;
  return true;
}

void AnswerQueue::endWith(std::uint64_t sequence, Response refusal) {
  for (Slot& s : slots_) {
    if (s.sequence != sequence) continue;
    s.keepAlive = false;
    if (!s.ready) {
      s.response = std::move(refusal);
      s.ready = true;
    }
  }
}

bool AnswerQueue::sendContinue() {
  if (writing_ != Writing::kIdle || !slots_.empty()) return false;
  sender_.begin(kContinue, std::string_view());
  writing_ = Writing::kInterim;
  return true;
}

void AnswerQueue::clear() {
  sender_.reset();
  slots_.clear();
  writing_ = Writing::kIdle;
}

void AnswerQueue::begin(Slot& slot, bool lastIfDraining, const std::function<void()>& onStream) {
  Response& response = slot.response;
  if (response.stream && response.stream->failed() && response.stream->read() == 0 && response.stream->buffered() == 0) {
    // Its body failed before any of it went out: a clean 502 instead of a head and a reset.
    response = errorResponse(502, "upstream_body_error", "the upstream's response body failed: " + response.stream->error());
  }
  const bool noBody = responseHasNoBody(response.status, slot.head);
  if (noBody && response.stream) response.stream.reset();  // the reader lets go: its upstream is closed
  const bool unknownLength = response.stream && !response.stream->length();
  // A streamed body of unknown length is chunked, or, for an HTTP/1.0 client, ends with the connection.
  const bool chunked = unknownLength && !slot.http10;
  const bool last = !slot.keepAlive || (unknownLength && slot.http10) || (lastIfDraining && slots_.size() == 1);
  head_.clear();
  writeResponseHead(head_, response, {slot.head, last, slot.http10 && !last, chunked});
  if (noBody) {
    sender_.beginHeadOnly(head_);
  } else if (response.stream) {
    response.stream->onReadable(onStream);
    sender_.begin(head_, response.stream, chunked);
  } else {
    sender_.begin(head_, response.body);
  }
  closeAfter_ = last;
  writing_ = Writing::kAnswer;
}

AnswerQueue::Step AnswerQueue::write(int fd, bool lastIfDraining, const std::function<void()>& onStream) {
  for (;;) {
    if (writing_ == Writing::kIdle) {
      if (slots_.empty() || !slots_.front().ready) return Step::kIdle;
      begin(slots_.front(), lastIfDraining, onStream);
    }
    const std::uint64_t before = sender_.sent();
    const BodySender::Progress progress = sender_.send(fd);
    written_ += sender_.sent() - before;
    switch (progress) {
      case BodySender::Progress::kDone:
        if (writing_ == Writing::kInterim) {
          writing_ = Writing::kIdle;
          continue;
        }
        writing_ = Writing::kIdle;
        slots_.pop_front();
        if (closeAfter_) return Step::kFinal;
        continue;
      case BodySender::Progress::kBlocked: return Step::kBlocked;
      case BodySender::Progress::kStarved: return Step::kStarved;
      case BodySender::Progress::kStreamFailed: return Step::kStreamFailed;
      case BodySender::Progress::kSocketError: return Step::kSocketError;
    }
  }
}

}  // namespace gateway::net
