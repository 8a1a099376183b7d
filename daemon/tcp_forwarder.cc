// daemon/tcp_forwarder.cc: the relay behind `dev-broker --listen`, one Boost.Asio io_context
// on one thread. Each connection is two pumps (client to broker, broker to client) sharing the
// connection's lifetime; the first error or end of stream in either closes both sockets, as a
// Kafka client never half-closes a connection it still expects answers on.
#include "daemon/tcp_forwarder.h"

#include <arpa/inet.h>
#include <pthread.h>

#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <thread>
#include <utility>

#include <boost/asio.hpp>

#include "pipeline/base/str_cat.h"

namespace trailhound::daemon {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr std::size_t kRelayBufferBytes = 64 * 1024;
// After a failed accept (EMFILE, ENOBUFS) wait this long before the next, rather than spin.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

// One relayed connection. Owned by its pending handlers: it lives while a read, write or
// connect is outstanding and goes away, closing both sockets, when the last one completes.
class Relay : public std::enable_shared_from_this<Relay> {
 public:
  explicit Relay(tcp::socket client)
      : client_(std::move(client)), upstream_(client_.get_executor()) {}

  void Start(const tcp::endpoint& upstream) {
    upstream_.async_connect(upstream, [self = shared_from_this()](const error_code& error) {
      if (error) {
        self->Close();  // The broker is down: the client sees its connection closed.
        return;
      }
      error_code ignored;
      // Kafka requests are small and latency-bound; Nagle would hold back a second segment.
      self->client_.set_option(tcp::no_delay(true), ignored);
      self->upstream_.set_option(tcp::no_delay(true), ignored);
      self->Pump(self->to_upstream_);
      self->Pump(self->to_client_);
    });
  }

 private:
  struct Direction {
    tcp::socket* from;
    tcp::socket* to;
    std::array<char, kRelayBufferBytes> buffer;
  };

  void Pump(Direction& direction) {
    direction.from->async_read_some(
        asio::buffer(direction.buffer),
        [self = shared_from_this(), &direction](const error_code& error, std::size_t bytes) {
          if (error) {
            self->Close();
            return;
          }
          asio::async_write(*direction.to, asio::buffer(direction.buffer.data(), bytes),
                            [self, &direction](const error_code& write_error, std::size_t) {
                              if (write_error) {
                                self->Close();
                                return;
                              }
                              self->Pump(direction);
                            });
        });
  }

  // Idempotent; cancels the other direction's pending operation, which then ends.
  void Close() {
    error_code ignored;
    client_.close(ignored);
    upstream_.close(ignored);
  }

  tcp::socket client_;
  tcp::socket upstream_;
  Direction to_upstream_{&client_, &upstream_, {}};
  Direction to_client_{&upstream_, &client_, {}};
};

base::Result<uint16_t> ParsePort(std::string_view text, std::string_view whole) {
  uint32_t port = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || port > 65535) {
    return base::InvalidInput(
        base::StrCat({"'", whole, "': port '", text, "' is not a number from 0 to 65535"}));
  }
  return static_cast<uint16_t>(port);
}

}  // namespace

base::Result<LoopbackEndpoint> ParseLoopbackEndpoint(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return base::InvalidInput(
        base::StrCat({"'", text, "' is not HOST:PORT (e.g. 127.0.0.1:9092)"}));
  }
  std::string host(text.substr(0, colon));
  if (host == "localhost") {
    host = "127.0.0.1";
  }
  in_addr address{};
  if (inet_pton(AF_INET, host.c_str(), &address) != 1) {
    return base::InvalidInput(
        base::StrCat({"'", text, "': '", host,
                      "' is not an IPv4 address (the mock cluster listens on IPv4 "
                      "loopback only); use 127.0.0.1"}));
  }
  if ((ntohl(address.s_addr) >> 24) != 127) {
    return base::InvalidInput(
        base::StrCat({"'", text,
                      "' is not a loopback address: the mock cluster advertises "
                      "127.0.0.1 ports, which other machines cannot follow; use "
                      "127.0.0.1"}));
  }
  base::Result<uint16_t> port = ParsePort(text.substr(colon + 1), text);
  if (!port.has_value()) {
    return port.error();
  }
  return LoopbackEndpoint{std::move(host), *port};
}

struct TcpForwarder::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  tcp::endpoint upstream;
  std::string listen_text;
  asio::steady_timer retry_timer{io};
  std::jthread thread;  // declared last: joined (in ~TcpForwarder) before the rest goes

  void Accept() {
    acceptor.async_accept([this](const error_code& error, tcp::socket socket) {
      if (error == asio::error::operation_aborted) {
        return;
      }
      if (error) {
        std::fprintf(stderr, "trailhound dev-broker: accepting on %s failed: %s; retrying\n",
                     listen_text.c_str(), error.message().c_str());
        retry_timer.expires_after(kAcceptRetryDelay);
        retry_timer.async_wait([this](const error_code& wait_error) {
          if (!wait_error) {
            Accept();
          }
        });
        return;
      }
      std::make_shared<Relay>(std::move(socket))->Start(upstream);
      Accept();
    });
  }
};

TcpForwarder::TcpForwarder(std::unique_ptr<Impl> impl, LoopbackEndpoint bound)
    : impl_(std::move(impl)), listen_endpoint_(std::move(bound)) {}

TcpForwarder::~TcpForwarder() {
  impl_->io.stop();
  if (impl_->thread.joinable()) {
    impl_->thread.join();
  }
}

base::Result<std::unique_ptr<TcpForwarder>> TcpForwarder::Start(const LoopbackEndpoint& listen,
                                                                const LoopbackEndpoint& upstream) {
  auto impl = std::make_unique<Impl>();
  impl->listen_text = listen.ToString();
  error_code error;
  const asio::ip::address_v4 listen_address = asio::ip::make_address_v4(listen.host, error);
  const asio::ip::address_v4 upstream_address =
      error ? asio::ip::address_v4() : asio::ip::make_address_v4(upstream.host, error);
  if (error) {
    return base::InvalidInput(base::StrCat({"'", listen.host, "' or '", upstream.host,
                                            "' is not an IPv4 address: ", error.message()}));
  }
  const tcp::endpoint listen_at(listen_address, listen.port);
  impl->upstream = tcp::endpoint(upstream_address, upstream.port);
  impl->acceptor.open(listen_at.protocol(), error);
  if (!error) {
    // Lets a restarted dev-broker take its port back while old connections sit in TIME_WAIT;
    // on Linux it never lets two listeners share a port.
    impl->acceptor.set_option(tcp::acceptor::reuse_address(true), error);
  }
  if (!error) {
    impl->acceptor.bind(listen_at, error);
  }
  if (!error) {
    impl->acceptor.listen(asio::socket_base::max_listen_connections, error);
  }
  const tcp::endpoint bound = error ? tcp::endpoint() : impl->acceptor.local_endpoint(error);
  if (error) {
    return base::Unavailable(
        base::StrCat({"cannot listen on ", impl->listen_text, ": ", error.message()}));
  }
  LoopbackEndpoint bound_endpoint{listen.host, bound.port()};
  impl->listen_text = bound_endpoint.ToString();
  impl->Accept();
  Impl* running = impl.get();
  impl->thread = std::jthread([running] {
    pthread_setname_np(pthread_self(), "th-forward");
    running->io.run();
  });
  return std::unique_ptr<TcpForwarder>(new TcpForwarder(std::move(impl), bound_endpoint));
}

}  // namespace trailhound::daemon
