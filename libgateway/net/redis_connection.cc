#include "libgateway/net/redis_connection.h"

#include <charconv>

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <hiredis/hiredis.h>

#include "libgateway/net/http_wire.h"

namespace gateway::net {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
void appendBulk(std::string& out, std::string_view arg) {
  char len[24];
  out += '$';
  out.append(len, std::to_chars(len, len + sizeof len, arg.size()).ptr);
  out += "\r\n";
  out += arg;
  out += "\r\n";
}
}  // namespace

void appendRedisCommand(std::string& out, std::initializer_list<std::string_view> args,
                        std::initializer_list<const std::vector<std::string>*> tails) {
  std::size_t count = args.size();
  for (const auto* tail : tails) count += tail->size();
  char n[24];
  out += '*';
  out.append(n, std::to_chars(n, n + sizeof n, count).ptr);
  out += "\r\n";
  for (std::string_view a : args) appendBulk(out, a);
  for (const auto* tail : tails) {
    for (const std::string& a : *tail) appendBulk(out, a);
  }
}

RedisConnection::RedisConnection(asio::io_context& io, Clock& clock, std::string address)
    : io_(io), clock_(clock), address_(std::move(address)), socket_(io), timer_(io), in_(16 * 1024) {}

RedisConnection::~RedisConnection() {
  if (reader_) redisReaderFree(reader_);
}

void RedisConnection::answerLater(Done done, std::string_view error) {
  asio::post(io_, [done = std::move(done), error = std::string(error)]() { done(RedisResult{nullptr, error}); });
}

void RedisConnection::send(std::string_view command, TimePoint deadline, Done done) {
  // Silence is measured from when the connection last had nothing to wait for: a first command
  // after an idle spell starts the clock afresh.
  if (pending_.empty()) lastReply_ = clock_.now();
  pending_.push_back(Pending{std::move(done), deadline});
  out_ += command;
  armTimer();
  if (state_ == State::kClosed || state_ == State::kBackoff) return connect();
  if (state_ == State::kOpen && !flushPosted_) {
    // Everything sent in this turn of the loop leaves in one write: the pipeline.
    flushPosted_ = true;
    asio::post(io_, [self = shared_from_this()] {
      self->flushPosted_ = false;
      self->flush();
    });
  }
}

void RedisConnection::connect() {
  state_ = State::kConnecting;
  std::string host, why;
  std::uint16_t port = 0;
  boost::system::error_code ec;
  const bool split = splitHostPort(address_, host, port, why);
  const auto ip = split ? asio::ip::make_address(host, ec) : asio::ip::address();
  if (!split || ec || port == 0) {
    // Host names are resolved once, at start (redis_limit_client.cc); here only addresses.
    fail("bad address");
    return;
  }
  socket_ = tcp::socket(io_);
  connectStarted_ = clock_.now();
  socket_.async_connect(tcp::endpoint(ip, port), [self = shared_from_this(), gen = ++generation_](boost::system::error_code e) {
    if (self->generation_ != gen || self->state_ != State::kConnecting) return;
    if (e) return self->fail(e == asio::error::connection_refused ? "connection refused" : "connect failed");
    self->onConnected();
  });
}

void RedisConnection::onConnected() {
  boost::system::error_code ec;
  socket_.set_option(tcp::no_delay(true), ec);
  state_ = State::kOpen;
  lastReply_ = clock_.now();
  if (reader_) redisReaderFree(reader_);
  reader_ = redisReaderCreate();
  if (!greeting_.empty()) {
    // Its replies come first: one Pending per command of the greeting.
    for (std::size_t i = 0; i < greetingCommands_; ++i) pending_.push_front(Pending{nullptr, INT64_MAX, true});
    out_.insert(0, greeting_);
  }
  flush();
  read();
}

void RedisConnection::flush() {
  if (state_ != State::kOpen || writeBusy_ || out_.empty()) return;
  writeBusy_ = true;
  writing_.swap(out_);
  out_.clear();
  asio::async_write(socket_, asio::buffer(writing_), [self = shared_from_this(), gen = generation_](boost::system::error_code e, std::size_t) {
    self->writeBusy_ = false;
    self->writing_.clear();
    if (self->generation_ != gen) return self->flush();  // a socket closed since: a new one may wait
    if (e) return self->fail("write failed");
    self->flush();
  });
}

void RedisConnection::read() {
  socket_.async_read_some(asio::buffer(in_), [self = shared_from_this(), gen = generation_](boost::system::error_code e, std::size_t n) {
    if (self->generation_ != gen || self->state_ != State::kOpen) return;
    if (e) return self->fail(e == asio::error::eof ? "connection closed by the server" : "read failed");
    self->onReplies(n);
  });
}

void RedisConnection::onReplies(std::size_t bytes) {
  if (redisReaderFeed(reader_, in_.data(), bytes) != REDIS_OK) return fail("bad reply");
  lastReply_ = clock_.now();
  for (;;) {
    void* raw = nullptr;
    if (redisReaderGetReply(reader_, &raw) != REDIS_OK) return fail("bad reply");
    if (!raw) break;
    auto* reply = static_cast<redisReply*>(raw);
    if (pending_.empty()) {
      freeReplyObject(reply);
      return fail("reply without a command");
    }
    Pending p = std::move(pending_.front());
    pending_.pop_front();
    if (p.greeting && reply->type == REDIS_REPLY_ERROR) {
      // A refused AUTH (or a server that wants one): every command after it would fail alike.
      const std::string why = "Redis refused the connection's setup: " + std::string(reply->str, reply->len);
      freeReplyObject(reply);
      return fail(why);
    }
    if (p.done) p.done(RedisResult{reply, {}});
    freeReplyObject(reply);
    if (state_ != State::kOpen) return;  // a callback closed it
  }
  read();
}

void RedisConnection::fail(std::string_view why) {
  lastError_ = why;
  ++generation_;  // handlers of the socket closed here find out and do nothing
  state_ = State::kBackoff;
  boost::system::error_code ec;
  socket_.close(ec);
  out_.clear();
  std::deque<Pending> failed;
  failed.swap(pending_);
  for (auto& p : failed) {
    if (p.done) answerLater(std::move(p.done), lastError_);
  }
}

void RedisConnection::close() {
  fail("closed");
  state_ = State::kClosed;
  timer_.cancel();
}

void RedisConnection::armTimer() {
  if (timerArmed_ || pending_.empty()) return;
  timerArmed_ = true;
  timer_.expires_after(std::chrono::milliseconds(5));
  timer_.async_wait([self = shared_from_this()](boost::system::error_code e) {
    self->timerArmed_ = false;
    if (!e) self->onTimer();
  });
}

void RedisConnection::onTimer() {
  const TimePoint now = clock_.now();
  for (auto& p : pending_) {
    // Every one is looked at: a redirect or a script sent again keeps its first deadline.
    if (!p.done || p.deadline > now) continue;  // answered already, a greeting, or not due
    // Answered now; its slot stays, for the reply that may still come.
    answerLater(std::move(p.done), "timeout");
    p.done = nullptr;
  }
  if (!pending_.empty() && state_ == State::kOpen && now - lastReply_ > staleAfter) return fail("no reply");
  // A server that does not answer the handshake (a black hole) would hold it for minutes.
  if (state_ == State::kConnecting && now - connectStarted_ > staleAfter) return fail("connect timeout");
  armTimer();
}

}  // namespace gateway::net
