// tests/integration/operator_clients.h: the test's own stand-ins for what talks to a running
// daemon from outside: an HTTP GET over loopback TCP (what a probe or a scraper sends), a reader
// for the Prometheus text format, and a NOTIFY_SOCKET listener (what systemd holds). Written
// against the sockets API so they share nothing with the daemon's code. Every wait has a
// deadline. Header-only.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/base/str_cat.h"
#include "tests/integration/child_process.h"

namespace trailhound::testing {

inline constexpr uint32_t kLoopback = 0x7f000001;  // 127.0.0.1, host order

// Closes a descriptor when it goes out of scope.
class OwnedFd {
 public:
  explicit OwnedFd(int fd = -1) : fd_(fd) {}
  ~OwnedFd() {
    if (fd_ >= 0) {
      close(fd_);
    }
  }
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Waits for `events` on `fd` until the deadline; false on timeout.
inline bool PollFor(int fd, short events, TestClock::time_point deadline) {
  pollfd polled{fd, events, 0};
  int ready = 0;
  while ((ready = poll(&polled, 1, MillisecondsLeft(deadline))) < 0 && errno == EINTR) {
  }
  return ready > 0;
}

// A port on 127.0.0.1 that was free a moment ago (bound to 0, read back, closed).
inline uint16_t FreeLoopbackPort() {
  const OwnedFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(kLoopback);
  socklen_t length = sizeof(address);
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return 0;
  }
  return ntohs(address.sin_port);
}

struct HttpReply {
  int status = 0;  // 0: no reply (see error)
  std::string body;
  std::string error;
};

// GET `target` from 127.0.0.1:`port`. HTTP/1.0 with the connection closed after the reply, so
// the body is everything after the headers: no chunked encoding, no keep-alive.
inline HttpReply HttpGet(uint16_t port, const std::string& target, TestClock::time_point deadline) {
  HttpReply reply;
  const OwnedFd fd(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(kLoopback);
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 &&
      errno != EINPROGRESS) {
    reply.error = base::StrCat({"connect: ", std::strerror(errno)});
    return reply;
  }
  int connect_error = 0;
  socklen_t length = sizeof(connect_error);
  if (!PollFor(fd.get(), POLLOUT, deadline) ||
      getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &connect_error, &length) != 0 ||
      connect_error != 0) {
    reply.error = base::StrCat({"connect: ", std::strerror(connect_error)});
    return reply;
  }
  const std::string request =
      base::StrCat({"GET ", target, " HTTP/1.0\r\nHost: 127.0.0.1:", std::to_string(port),
                    "\r\nConnection: close\r\n\r\n"});
  if (send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    reply.error = base::StrCat({"send: ", std::strerror(errno)});
    return reply;
  }
  std::string raw;
  for (;;) {
    if (!PollFor(fd.get(), POLLIN, deadline)) {
      reply.error = "no complete reply before the deadline";
      return reply;
    }
    char chunk[8192];
    const ssize_t got = recv(fd.get(), chunk, sizeof(chunk), 0);
    if (got > 0) {
      raw.append(chunk, static_cast<std::size_t>(got));
    } else if (got == 0) {
      break;
    } else if (errno != EINTR && errno != EAGAIN) {
      reply.error = base::StrCat({"recv: ", std::strerror(errno)});
      return reply;
    }
  }
  const std::size_t header_end = raw.find("\r\n\r\n");
  if (!raw.starts_with("HTTP/1.") || header_end == std::string::npos || raw.size() < 12) {
    reply.error = "not an HTTP reply: " + raw.substr(0, 200);
    return reply;
  }
  reply.status = std::atoi(raw.c_str() + 9);
  reply.body = raw.substr(header_end + 4);
  return reply;
}

// Percent-encodes everything but unreserved characters, for a query string.
// The metrics port a daemon logged (`metrics: serving … on 127.0.0.1:PORT`); 0 when none yet.
inline uint16_t MetricsPort(const ChildProcess& daemon) {
  const std::string needle = "metrics: serving /metrics, /healthz, /readyz on 127.0.0.1:";
  const std::string& text = daemon.stderr_text();
  const std::size_t at = text.find(needle);
  return at == std::string::npos
             ? 0
             : static_cast<uint16_t>(std::atoi(text.c_str() + at + needle.size()));
}

// GETs `target` every 100 ms (pumping the daemon's output) until it answers `status`; false
// when the deadline passes first.
inline bool WaitForHttpStatus(ChildProcess& daemon, uint16_t port, const std::string& target,
                              int status, TestClock::time_point deadline) {
  while (TestClock::now() < deadline) {
    if (HttpGet(port, target, deadline).status == status) {
      return true;
    }
    daemon.PumpFor(std::chrono::milliseconds(100));
  }
  return false;
}

inline std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out += {'%', kHex[byte >> 4], kHex[byte & 15]};
    }
  }
  return out;
}

// The sum of the samples of `name` whose labels include `labels` (label order in the text does
// not matter: prometheus-cpp sorts them by name); nullopt when no series matches. Assumes what
// the daemon writes: no '}' or ',' inside label values, no timestamps.
inline std::optional<double> MetricValue(std::string_view exposition, std::string_view name,
                                         const std::map<std::string, std::string>& labels = {}) {
  std::optional<double> sum;
  for (const std::string& line : Lines(std::string(exposition))) {
    if (line.empty() || line[0] == '#' || !line.starts_with(name)) {
      continue;
    }
    std::string_view rest = std::string_view(line).substr(name.size());
    std::map<std::string, std::string> found;
    if (rest.starts_with('{')) {
      const std::size_t close = rest.find('}');
      std::string_view pairs = rest.substr(1, close - 1);
      while (!pairs.empty()) {
        const std::size_t equals = pairs.find("=\"");
        const std::size_t quote = pairs.find('"', equals + 2);
        found[std::string(pairs.substr(0, equals))] =
            std::string(pairs.substr(equals + 2, quote - equals - 2));
        pairs = pairs.substr(std::min(pairs.size(), quote + 2));  // past `",`
      }
      rest = rest.substr(close + 1);
    }
    if (!rest.starts_with(' ')) {
      continue;  // a longer metric name that starts with `name`
    }
    bool matches = true;
    for (const auto& [key, value] : labels) {
      const auto it = found.find(key);
      matches = matches && it != found.end() && it->second == value;
    }
    if (matches) {
      sum = sum.value_or(0) + std::strtod(std::string(rest.substr(1)).c_str(), nullptr);
    }
  }
  return sum;
}

// systemd's end of the notification protocol: a datagram socket in the abstract namespace,
// named for NOTIFY_SOCKET ("@name").
class NotifyListener {
 public:
  NotifyListener() : fd_(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) {
    static int counter = 0;
    name_ = base::StrCat(
        {"trailhound-test-", std::to_string(getpid()), "-", std::to_string(++counter)});
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    // Abstract: a leading NUL, no file to clean up, no path length to worry about.
    std::memcpy(address.sun_path + 1, name_.data(), name_.size());
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name_.size());
    bound_ = bind(fd_.get(), reinterpret_cast<sockaddr*>(&address), length) == 0;
  }

  bool bound() const { return bound_; }
  // The environment entry that points a child at this socket.
  std::string EnvEntry() const { return "NOTIFY_SOCKET=@" + name_; }

  // The next datagram that contains `needle`, skipping (and keeping) others; nullopt at the
  // deadline. `child`'s output is read meanwhile so its pipes never fill.
  std::optional<std::string> WaitFor(std::string_view needle, TestClock::time_point deadline,
                                     ChildProcess& child) {
    while (TestClock::now() < deadline) {
      if (!PollFor(fd_.get(), POLLIN, std::min(deadline, TestClock::now() + kSlice))) {
        child.PumpFor(std::chrono::milliseconds(1));
        continue;
      }
      char datagram[4096];
      const ssize_t got = recv(fd_.get(), datagram, sizeof(datagram), 0);
      if (got <= 0) {
        continue;
      }
      received_.emplace_back(datagram, static_cast<std::size_t>(got));
      if (received_.back().find(needle) != std::string::npos) {
        return received_.back();
      }
    }
    return std::nullopt;
  }

  // Every datagram read so far, oldest first, for failure messages.
  std::string Received() const {
    std::string all;
    for (const std::string& datagram : received_) {
      all += "[" + datagram + "] ";
    }
    return all;
  }

 private:
  static constexpr std::chrono::milliseconds kSlice{50};
  OwnedFd fd_;
  std::string name_;
  bool bound_ = false;
  std::vector<std::string> received_;
};

}  // namespace trailhound::testing
