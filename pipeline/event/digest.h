// pipeline/event/digest.h: the 128-bit SHA-256 prefix trailhound uses for every deterministic
// id it derives (events without an eventID, alert ids).
#pragma once

#include <string>
#include <string_view>

namespace trailhound::event {

// 32 lowercase hex characters: the first 16 bytes of SHA-256 over `bytes`. Empty only if
// OpenSSL itself fails.
std::string Sha256Prefix128Hex(std::string_view bytes);

}  // namespace trailhound::event
