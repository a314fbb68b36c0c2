// One pipelined connection to one Redis server, on one worker's event loop: commands sent in
// the same turn of the loop go out in one write, replies come back in order (RESP, parsed by
// hiredis's redisReader). Every command has a deadline: a reply that has not come by then is
// answered as a timeout at once (its late reply is read and dropped), and a server silent for
// longer than `staleAfter` gets the connection closed. A broken connection fails what is
// pending, and the next command reconnects (how often that happens while the server is down
// is the caller's choice: ClusterHealth sends one probe per retry interval).
// Not thread-safe: everything runs on the loop's thread. Net-internal (includes Asio).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "libgateway/core/env.h"

struct redisReader;
struct redisReply;

namespace gateway::net {

// A reply, or why there is none. `reply` is valid during the callback only.
struct RedisResult {
  const redisReply* reply = nullptr;
  std::string_view error;  // set when reply is null: "timeout", "connection refused", ...
};

// Appends one command in RESP (an array of bulk strings) to `out`: `args`, then the strings
// of each of `tails` in order (a script call's keys, then its arguments).
void appendRedisCommand(std::string& out, std::initializer_list<std::string_view> args,
                        std::initializer_list<const std::vector<std::string>*> tails = {});

class RedisConnection : public std::enable_shared_from_this<RedisConnection> {
 public:
  using Done = std::function<void(const RedisResult&)>;

  RedisConnection(boost::asio::io_context& io, Clock& clock, std::string address);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Sends `command` (RESP, from appendRedisCommand). `done` runs once, never inline: with the
  // reply, or an error by `deadline` at the latest.
  void send(std::string_view command, TimePoint deadline, Done done);
  // Commands sent first on every new connection (AUTH, SCRIPT LOAD); an error reply to one of
  // them fails the connection with its text ("NOAUTH ...", "WRONGPASS ..."), other replies are
  // dropped.
  // `commands`: how many commands `greeting` holds (its replies come first).
  void setGreeting(std::string greeting, std::size_t commands) {
    greeting_ = std::move(greeting);
    greetingCommands_ = commands;
  }
  // Closes the socket and fails everything pending (the loop is stopping).
  void close();

  const std::string& address() const { return address_; }
  bool connected() const { return state_ == State::kOpen; }

  // No reply for this long while some are due, or a connect that takes this long: reconnect.
  Duration staleAfter = seconds(2);

 private:
  enum class State { kClosed, kConnecting, kOpen, kBackoff };  // kBackoff: failed, reconnects on the next send
  struct Pending {
    Done done;               // emptied once answered (a timeout), the reply still expected
    TimePoint deadline;
    bool greeting = false;   // a greeting's reply: dropped
  };

  void connect();
  void onConnected();
  void flush();
  void read();
  void onReplies(std::size_t bytes);
  void fail(std::string_view why);
  void armTimer();
  void onTimer();
  void answerLater(Done done, std::string_view error);

  boost::asio::io_context& io_;
  Clock& clock_;
  std::string address_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  bool timerArmed_ = false;
  State state_ = State::kClosed;
  TimePoint lastReply_ = 0;
  TimePoint connectStarted_ = 0;
  std::uint64_t generation_ = 0;  // one per socket: a handler of an older one does nothing
  std::string greeting_;
  std::size_t greetingCommands_ = 0;
  std::string out_, writing_;  // queued, and being written
  bool flushPosted_ = false, writeBusy_ = false;
  std::vector<char> in_;
  redisReader* reader_ = nullptr;
  std::deque<Pending> pending_;  // in send order: replies come back in it
  std::string lastError_;
};

}  // namespace gateway::net
