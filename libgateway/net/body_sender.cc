#include "libgateway/net/body_sender.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>

#include <fmt/format.h>

namespace gateway::net {

std::shared_ptr<BodyStream> openBodyStream(std::optional<std::uint64_t> length, std::string& held,
                                           const std::function<void()>& wake) {
  auto stream = std::make_shared<BodyStream>(length);
  stream->write(held);
  held = std::string();
  stream->onWritable(wake);
  stream->onAbandoned(wake);
  return stream;
}

void BodySender::begin(std::string_view head, std::string_view body) {
  reset();
  framing_.assign(head);
  whole_ = body;
  active_ = true;
}

void BodySender::begin(std::string_view head, std::shared_ptr<BodyStream> stream, bool chunked) {
  reset();
  framing_.assign(head);
  stream_ = std::move(stream);
  chunked_ = chunked;
  active_ = true;
}

void BodySender::reset() {
  framing_.clear();
  framingOffset_ = 0;
  whole_ = {};
  wholeOffset_ = 0;
  stream_.reset();
  pieceLeft_ = 0;
  chunked_ = anyChunk_ = lastQueued_ = false;
  active_ = false;
}

BodySender::Progress BodySender::nextPiece() {
  const std::string_view data = stream_->data();
  if (!data.empty()) {
    pieceLeft_ = data.size();
    if (chunked_) {
      // The CRLF that ends the previous chunk goes with the next chunk's header.
      framing_.assign(anyChunk_ ? "\r\n" : "");
      fmt::format_to(std::back_inserter(framing_), "{:x}\r\n", data.size());
      framingOffset_ = 0;
      anyChunk_ = true;
    }
    return Progress::kDone;
  }
  if (stream_->failed()) return Progress::kStreamFailed;
  if (!stream_->ended()) return Progress::kStarved;
  if (chunked_ && !lastQueued_) {
    framing_.assign(anyChunk_ ? "\r\n0\r\n\r\n" : "0\r\n\r\n");
    framingOffset_ = 0;
    lastQueued_ = true;
    return Progress::kDone;
  }
  return Progress::kStarved;  // nothing more: the caller sees the end below
}

BodySender::Progress BodySender::send(int fd) {
  while (active_) {
    const bool framingLeft = framingOffset_ < framing_.size();
    std::string_view body;
    if (stream_) {
      if (!framingLeft && pieceLeft_ == 0) {
        if (stream_->finished() && (!chunked_ || lastQueued_)) {
          active_ = false;
          stream_.reset();
          return Progress::kDone;
        }
        const Progress p = nextPiece();
        if (p != Progress::kDone) return p;
        continue;
      }
      body = stream_->data().substr(0, pieceLeft_);
    } else {
      body = whole_.substr(wholeOffset_);
      if (!framingLeft && body.empty()) {
        active_ = false;
        return Progress::kDone;
      }
    }
    iovec iov[2];
    int count = 0;
    if (framingLeft) iov[count++] = {framing_.data() + framingOffset_, framing_.size() - framingOffset_};
    if (!body.empty()) iov[count++] = {const_cast<char*>(body.data()), body.size()};
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<std::size_t>(count);
    ssize_t n;
    do {
      n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? Progress::kBlocked : Progress::kSocketError;
    auto left = static_cast<std::size_t>(n);
    sent_ += left;
    const std::size_t total = (framingLeft ? framing_.size() - framingOffset_ : 0) + body.size();
    if (framingLeft) {
      const std::size_t f = std::min(left, framing_.size() - framingOffset_);
      framingOffset_ += f;
      left -= f;
    }
    if (left > 0) {
      if (stream_) {
        stream_->consume(left);  // the writer may get room back
        pieceLeft_ -= left;
      } else {
        wholeOffset_ += left;
      }
    }
    if (static_cast<std::size_t>(n) < total) return Progress::kBlocked;  // a short write: the socket is full
  }
  return Progress::kDone;
}

}  // namespace gateway::net
