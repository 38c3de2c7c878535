// Content digests (image-spec "algorithm:encoded") and a streaming SHA-256.
//
// Every blob berth stores or unpacks is named by its digest and verified
// against it; this is the one place that knows how digests are spelled and
// computed. Only sha256 is accepted for content berth stores (sha512 digests
// parse, so that a manifest naming one gets a clear "unsupported" error
// from the caller rather than a parse error).
//
// Digest is a plain value type. Sha256 is a single-owner streaming hasher:
// not thread-safe, move-only.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/error.h"

namespace berth::image {

struct Digest {
  std::string algorithm;  // "sha256"
  std::string hex;        // lowercase, 64 chars for sha256

  // "sha256:<hex>"
  std::string String() const { return algorithm + ":" + hex; }
  // The first 12 hex characters, as docker shows short IDs.
  std::string Short() const { return hex.substr(0, 12); }
  bool operator==(const Digest&) const = default;
  auto operator<=>(const Digest&) const = default;
};

// Parses "sha256:<64 lowercase hex>" (or "sha512:<128 hex>"). Anything else
// is an error naming the string: wrong algorithm, length or characters.
Result<Digest> ParseDigest(std::string_view s);

// A streaming SHA-256 over OpenSSL's EVP interface.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void Update(const void* data, size_t len);
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  // The digest of everything passed to Update. The hasher must not be used
  // afterwards.
  Digest Finish();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

// sha256 of a whole buffer.
Digest Sha256Of(std::string_view data);

}  // namespace berth::image
