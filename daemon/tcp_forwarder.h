// daemon/tcp_forwarder.h: a loopback TCP relay for `dev-broker --listen`. librdkafka's mock
// cluster binds its brokers to random loopback ports that no public call can choose
// (DESIGN.md), so a fixed address such as 127.0.0.1:9092 is a listener that relays every
// connection, byte for byte, to the bootstrap broker. Clients then follow the ports the mock
// advertises in metadata. Loopback only: the mock advertises 127.0.0.1, which is useless to
// anyone on another machine.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "pipeline/base/result.h"
#include "pipeline/base/str_cat.h"

namespace trailhound::daemon {

struct LoopbackEndpoint {
  std::string host;  // dotted IPv4 in 127.0.0.0/8
  uint16_t port = 0;

  std::string ToString() const { return base::StrCat({host, ":", std::to_string(port)}); }
};

// Parses "HOST:PORT" where HOST is an IPv4 loopback address or "localhost"; port 0 asks the
// kernel for a free one. Errors say what is wrong with `text`.
base::Result<LoopbackEndpoint> ParseLoopbackEndpoint(std::string_view text);

// Accepts on one address and relays each connection to `upstream` on a thread of its own,
// `th-forward`. Construct with Start; destroying it closes the listener and every relayed
// connection and joins the thread. Its methods are for the thread that owns it.
class TcpForwarder {
 public:
  // Binds and listens on `listen` (an unavailable address is an error naming it) and starts
  // relaying to `upstream`. A failed connection to `upstream` closes the client's connection,
  // just as a broker that is down refuses it.
  static base::Result<std::unique_ptr<TcpForwarder>> Start(const LoopbackEndpoint& listen,
                                                           const LoopbackEndpoint& upstream);
  ~TcpForwarder();
  TcpForwarder(const TcpForwarder&) = delete;
  TcpForwarder& operator=(const TcpForwarder&) = delete;

  // The bound address, with the kernel's port when the requested one was 0.
  const LoopbackEndpoint& listen_endpoint() const { return listen_endpoint_; }

 private:
  struct Impl;
  explicit TcpForwarder(std::unique_ptr<Impl> impl, LoopbackEndpoint bound);

  std::unique_ptr<Impl> impl_;
  LoopbackEndpoint listen_endpoint_;
};

}  // namespace trailhound::daemon
