// The answers of one client connection, in request order whatever order they come in
// (HTTP/1.1 pipelining): a slot per request handed on, filled when its answer arrives, and
// written to the socket front first through a BodySender (a streamed body as its bytes come,
// chunked when its length is unknown, or ending with the connection for an HTTP/1.0 client).
// Also the interim 100 Continue, which may go out only when nothing else is on the wire.
// Part of one server session, on its loop's thread; not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>

#include "libgateway/http/message.h"
#include "libgateway/net/body_sender.h"

namespace gateway::net {

class AnswerQueue {
 public:
  // A request handed on: its answer will go in this slot. Returns the slot's sequence.
  std::uint64_t add(bool head, bool keepAlive, bool http10);
  // An answer of the server's own (a refusal): ready at once, and the connection's last.
  void addFinal(Response response);
  // The answer for `sequence`; false when there is no such slot or it was answered already.
  bool fill(std::uint64_t sequence, Response response);
  // Makes `sequence`'s answer the connection's last, answering it with `refusal` unless its
  // own answer is there already.
  void endWith(std::uint64_t sequence, Response refusal);
  bool frontIs(std::uint64_t sequence) const { return !slots_.empty() && slots_.front().sequence == sequence; }
  std::uint64_t nextSequence() const { return nextSequence_; }
  std::size_t size() const { return slots_.size(); }
  bool empty() const { return slots_.empty(); }
  // Something is on its way (an answer or an interim 100 Continue).
  bool writing() const { return writing_ != Writing::kIdle; }
  // Bytes handed to the socket so far, over every answer: progress for the write timeout.
  std::uint64_t written() const { return written_; }
  // Queues "100 Continue" when nothing else is on the wire; false otherwise.
  bool sendContinue();
  void clear();

  enum class Step {
    kIdle,          // nothing ready to write
    kBlocked,       // the socket is full
    kStarved,       // the front answer's stream has no bytes yet
    kFinal,         // the connection's last answer went out
    kStreamFailed,  // the front answer's stream failed after its head went out
    kSocketError,
  };
  // Writes what is ready, in order. `lastIfDraining`: a draining connection whose front answer
  // is its last. `onStream` is registered as the reader of a streamed body being written.
  Step write(int fd, bool lastIfDraining, const std::function<void()>& onStream);

 private:
  enum class Writing { kIdle, kAnswer, kInterim };
  struct Slot {
    std::uint64_t sequence = 0;
    bool ready = false;
    bool head = false;       // answer to HEAD: no body on the wire
    bool keepAlive = true;   // false: the last answer on this connection
    bool http10 = false;     // HTTP/1.0 client
    Response response;
  };
  void begin(Slot& slot, bool lastIfDraining, const std::function<void()>& onStream);

  std::deque<Slot> slots_;
  std::uint64_t nextSequence_ = 0;
  std::string head_;   // the head of the answer being written
  BodySender sender_;  // what is on its way
  Writing writing_ = Writing::kIdle;
  std::uint64_t written_ = 0;
  bool closeAfter_ = false;
};

}  // namespace gateway::net
