// pipeline/event/digest.cc: SHA-256 through OpenSSL's EVP interface.
#include "pipeline/event/digest.h"

#include <openssl/evp.h>

namespace trailhound::event {

std::string Sha256Prefix128Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    return {};
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(32);
  for (unsigned i = 0; i < 16 && i < size; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

}  // namespace trailhound::event
