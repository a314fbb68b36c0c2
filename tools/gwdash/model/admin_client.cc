#include "tools/gwdash/model/admin_client.h"

#include <charconv>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

namespace gwdash {

namespace {

constexpr std::uint64_t kAdminBodyLimit = 64 * 1024 * 1024;

}  // namespace

bool parseAdminUrl(const std::string& url, AdminUrl& out, std::string& error) {
  constexpr std::string_view kScheme = "http://";
  std::string_view rest = url;
  if (rest.substr(0, kScheme.size()) != kScheme) {
    error = fmt::format("\"{}\": expected http://HOST:PORT (gatewayd's admin address; https is not supported)", url);
    return false;
  }
  rest.remove_prefix(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos || rest.find('?') != std::string_view::npos) {
    error = fmt::format("\"{}\": give the admin address only, without a path", url);
    return false;
  }
  std::string_view host, port;
  if (!rest.empty() && rest.front() == '[') {  // [::1]:9901
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
      error = fmt::format("\"{}\": expected http://[IPv6]:PORT", url);
      return false;
    }
    host = rest.substr(1, close - 1);
    port = rest.substr(close + 2);
  } else {
    const std::size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos) {
      error = fmt::format("\"{}\": the port is missing (http://HOST:PORT)", url);
      return false;
    }
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  unsigned number = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (host.empty() || port.empty() || ec != std::errc() || end != port.data() + port.size() || number == 0 ||
      number > 65535) {
    error = fmt::format("\"{}\": expected http://HOST:PORT with a port from 1 to 65535", url);
    return false;
  }
  out.host = std::string(host);
  out.port = std::string(port);
  return true;
}

struct AdminClient::Io {
  boost::asio::io_context ioc;
  boost::beast::tcp_stream stream{ioc};
  boost::beast::flat_buffer buffer;
  bool connected = false;

  // Runs the operations started until they finish (each is bounded by the stream's expiry).
  void run() {
    ioc.restart();
    ioc.run();
  }
};

AdminClient::AdminClient(AdminUrl url, std::chrono::milliseconds timeout)
    : url_(std::move(url)), timeout_(timeout), io_(std::make_unique<Io>()) {}

AdminClient::~AdminClient() { close(); }

void AdminClient::close() {
  if (!io_->connected) return;
  boost::beast::error_code ignored;
  io_->stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  io_->stream.close();
  io_->buffer.clear();
  io_->connected = false;
}

void AdminClient::stop() {
  stopped_ = true;
  io_->ioc.stop();
}

std::optional<AdminReply> AdminClient::get(const std::string& target, std::string& error) {
  const bool reused = io_->connected;
  auto reply = attempt(target, error);
  if (!reply && reused && !stopped_) reply = attempt(target, error);  // it may have closed an idle connection
  return reply;
}

std::optional<AdminReply> AdminClient::attempt(const std::string& target, std::string& error) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  using tcp = boost::asio::ip::tcp;
  auto fail = [&](std::string_view step, const beast::error_code& ec) -> std::optional<AdminReply> {
    const std::string why = ec == beast::error::timeout ? fmt::format("no answer within {} ms", timeout_.count()) : ec.message();
    error = fmt::format("GET {}: {} {}:{}: {}", target, step, url_.host, url_.port, why);
    close();
    return std::nullopt;
  };
  if (stopped_) {
    error = "stopped";
    return std::nullopt;
  }
  // An operation that never completed (stop() stopped the loop) reports this.
  const beast::error_code notRun = boost::asio::error::operation_aborted;
  if (!io_->connected) {
    tcp::resolver resolver(io_->ioc);
    beast::error_code ec;
    const auto endpoints = resolver.resolve(url_.host, url_.port, ec);
    if (ec) return fail("cannot resolve", ec);
    ec = notRun;
    io_->stream.expires_after(timeout_);
    io_->stream.async_connect(endpoints, [&ec](beast::error_code e, const tcp::endpoint&) { ec = e; });
    io_->run();
    if (ec) return fail("cannot connect to", ec);
    io_->stream.socket().set_option(tcp::no_delay(true), ec);
    io_->connected = true;
  }
  http::request<http::empty_body> request{http::verb::get, target, 11};
  request.set(http::field::host, url_.host + ":" + url_.port);
  request.set(http::field::user_agent, "gwdash");
  request.keep_alive(true);
  beast::error_code ec = notRun;
  io_->stream.expires_after(timeout_);
  http::async_write(io_->stream, request, [&ec](beast::error_code e, std::size_t) { ec = e; });
  io_->run();
  if (ec) return fail("cannot send to", ec);
  http::response_parser<http::string_body> parser;
  parser.body_limit(kAdminBodyLimit);
  ec = notRun;
  io_->stream.expires_after(timeout_);
  http::async_read(io_->stream, io_->buffer, parser, [&ec](beast::error_code e, std::size_t) { ec = e; });
  io_->run();
  if (ec) return fail("no answer from", ec);
  auto response = parser.release();
  AdminReply reply{static_cast<int>(response.result_int()), std::move(response.body())};
  if (!response.keep_alive()) close();
  return reply;
}

}  // namespace gwdash
