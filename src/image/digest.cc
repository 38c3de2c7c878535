#include "image/digest.h"

#include <openssl/evp.h>

namespace berth::image {

namespace {

bool IsLowerHex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

Result<Digest> ParseDigest(std::string_view s) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos) return Fail("digest {:?}: missing algorithm prefix", s);
  std::string_view alg = s.substr(0, colon), hex = s.substr(colon + 1);
  size_t want = 0;
  if (alg == "sha256")
    want = 64;
  else if (alg == "sha512")
    want = 128;
  else
    return Fail("digest {:?}: unsupported algorithm {:?}", s, alg);
  if (hex.size() != want) return Fail("digest {:?}: {} needs {} hex characters", s, alg, want);
  if (!IsLowerHex(hex)) return Fail("digest {:?}: not lowercase hex", s);
  return Digest{std::string(alg), std::string(hex)};
}

struct Sha256::Ctx {
  EVP_MD_CTX* md = nullptr;
  ~Ctx() { EVP_MD_CTX_free(md); }
};

Sha256::Sha256() : ctx_(std::make_unique<Ctx>()) {
  ctx_->md = EVP_MD_CTX_new();
  // Only allocation failure can make these fail; there is nothing to
  // report it through but a null context, which Update/Finish tolerate.
  if (ctx_->md) EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr);
}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::Update(const void* data, size_t len) {
  if (ctx_ && ctx_->md && len) EVP_DigestUpdate(ctx_->md, data, len);
}

Digest Sha256::Finish() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (ctx_ && ctx_->md) EVP_DigestFinal_ex(ctx_->md, out, &n);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(n * 2);
  for (unsigned i = 0; i < n; i++) {
    hex.push_back(kHex[out[i] >> 4]);
    hex.push_back(kHex[out[i] & 15]);
  }
  ctx_.reset();
  return Digest{"sha256", hex};
}

Digest Sha256Of(std::string_view data) {
  Sha256 h;
  h.Update(data);
  return h.Finish();
}

}  // namespace berth::image
