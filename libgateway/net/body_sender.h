// Sends one HTTP message (its head, then its body) to a non-blocking socket, as far as the
// socket takes it: a whole body from a string, or a streamed body from a BodyStream, framed
// by Content-Length when the stream knows its length and by chunked coding when it does not.
// Bytes of a stream are consumed as they go out, so the stream's writer gets room back
// (backpressure). Shared by the server session (responses) and the upstream connection
// (request bodies). One per connection, on its loop's thread; not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "libgateway/http/body_stream.h"

namespace gateway::net {

// The writer's side of a body that starts streaming part way through a message: a stream of
// `length` (when known) holding what was already read (`held`, emptied), whose `wake` runs
// when the reader makes room or lets go (the reading connection then reads on, or stops).
std::shared_ptr<BodyStream> openBodyStream(std::optional<std::uint64_t> length, std::string& held,
                                           const std::function<void()>& wake);

class BodySender {
 public:
  enum class Progress {
    kDone,          // the whole message went out
    kBlocked,       // the socket is full: wait for it to be writable
    kStarved,       // the stream has no bytes yet: wait for it to be readable
    kStreamFailed,  // the stream's writer failed: the message cannot be completed
    kSocketError,   // errno says why
  };

  // `head` is the message head as bytes; `body` must stay valid until kDone.
  void begin(std::string_view head, std::string_view body);
  // A streamed body; `chunked` when the head announced Transfer-Encoding: chunked.
  void begin(std::string_view head, std::shared_ptr<BodyStream> stream, bool chunked);
  // Only the head, for a message that has no body on the wire (HEAD answers, 204, 304).
  void beginHeadOnly(std::string_view head) { begin(head, std::string_view()); }

  Progress send(int fd);
  bool active() const { return active_; }
  // Head and body bytes handed to the socket so far.
  std::uint64_t sent() const { return sent_; }
  const BodyStream* stream() const { return stream_.get(); }
  // Drops the message (the stream is let go: its writer learns the reader has gone).
  void reset();

 private:
  // Queues the framing before the next piece of the stream, or the last chunk; false when the
  // stream has nothing to give yet.
  Progress nextPiece();

  std::string framing_;           // head, chunk header or trailer bytes not yet sent
  std::size_t framingOffset_ = 0;
  std::string_view whole_;        // a whole body not yet sent (from wholeOffset_)
  std::size_t wholeOffset_ = 0;
  std::shared_ptr<BodyStream> stream_;
  std::size_t pieceLeft_ = 0;     // bytes of the stream's front that the framing announced
  std::uint64_t sent_ = 0;
  bool chunked_ = false;
  bool anyChunk_ = false;
  bool lastQueued_ = false;
  bool active_ = false;
};

}  // namespace gateway::net
