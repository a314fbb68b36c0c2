// A message body that arrives in pieces: written by the side that receives it (a client
// connection reading an upload, an upstream connection reading an answer, a paced mock answer)
// and read by the side that sends it on (the upstream or client writer, or a stage that needs
// the whole body and collects it). Bounded: the writer writes while room() > 0 and waits for
// onWritable otherwise, so a reader that stops reading stops its writer (backpressure) with at
// most `capacity` plus one write held here.
// Ownership: the reader's side owns the stream (Request::stream / Response::stream hold it);
// the writer keeps a weak_ptr and hears through onAbandoned when the reader let go before the
// end. One thread (the worker's loop, or the simulator's). Listeners are called inline from
// write/end/fail/consume and the destructor: they must not call back into the stream's other
// side synchronously (the network layer posts to its loop).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gateway {

class BodyStream {
 public:
  using Listener = std::function<void()>;
  static constexpr std::size_t kDefaultCapacity = 32 * 1024;

  // `length`: the whole body's size when known (Content-Length), for framing.
  explicit BodyStream(std::optional<std::uint64_t> length, std::size_t capacity = kDefaultCapacity);
  ~BodyStream();
  BodyStream(const BodyStream&) = delete;
  BodyStream& operator=(const BodyStream&) = delete;

  std::optional<std::uint64_t> length() const { return length_; }
  std::size_t capacity() const { return capacity_; }

  // Reader side.
  std::string_view data() const { return std::string_view(buffer_).substr(readOffset_); }
  void consume(std::size_t n);
  bool ended() const { return ended_; }                    // every byte was written
  bool finished() const { return ended_ && readOffset_ == buffer_.size(); }  // and read
  bool failed() const { return failed_; }
  const std::string& error() const { return error_; }
  std::uint64_t read() const { return read_; }             // bytes consumed so far
  // Told when bytes, the end or a failure arrive.
  void onReadable(Listener listener) {
    onReadable_ = std::move(listener);
    ++readerGeneration_;
  }

  // Writer side.
  std::size_t room() const { return buffered() >= capacity_ ? 0 : capacity_ - buffered(); }
  std::size_t buffered() const { return buffer_.size() - readOffset_; }
  void write(std::string_view bytes);
  void end();
  void fail(std::string reason);
  std::uint64_t written() const { return written_; }
  // Told when room appears after the writer filled the stream.
  void onWritable(Listener listener) { onWritable_ = std::move(listener); }
  // Told (from the destructor) when the reader let go before the stream ended or failed.
  void onAbandoned(Listener listener) { onAbandoned_ = std::move(listener); }

  // Keeps `guard` alive as long as the stream: what the exchange held while it lasted (a
  // concurrency slot, an instance's in-flight count) is given back when the body is done.
  void keep(std::shared_ptr<void> guard) { guards_.push_back(std::move(guard)); }

 private:
  // The listener may replace or clear itself while it runs.
  void notifyReader() {
    if (!onReadable_) return;
    Listener listener = std::move(onReadable_);
    const std::uint64_t generation = readerGeneration_;
    listener();
    if (readerGeneration_ == generation) onReadable_ = std::move(listener);
  }

  std::string buffer_;
  std::size_t readOffset_ = 0;
  std::optional<std::uint64_t> length_;
  std::size_t capacity_;
  std::uint64_t written_ = 0;
  std::uint64_t read_ = 0;
  bool ended_ = false;
  bool failed_ = false;
  bool writerWaiting_ = false;
  std::uint64_t readerGeneration_ = 0;
  std::string error_;
  Listener onReadable_, onWritable_, onAbandoned_;
  std::vector<std::shared_ptr<void>> guards_;
};

}  // namespace gateway
