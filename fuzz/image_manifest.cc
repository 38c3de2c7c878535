// Manifests, indexes and image configs arrive from registries and image
// archives byte for byte as their authors wrote them; the puller
// classifies a document and then parses it as what it claims to be.
// Property: on any bytes, under any Content-Type, none of the parsers
// crashes, throws (nlohmann::json throws on a type mismatch that a
// parser forgot to check) or refuses without saying why.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "spec/image_spec.h"

namespace {

template <typename R>
void CheckRefusal(const R& r) {
  if (!r && r.error().What().empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace spec = berth::spec;
  std::string_view body(reinterpret_cast<const char*>(data), size);

  // The Content-Type a registry might send, or none (archives have none):
  // each sends ClassifyManifest down a different branch.
  static constexpr std::string_view kContentTypes[] = {
      "",
      "application/vnd.oci.image.manifest.v1+json",
      "application/vnd.oci.image.index.v1+json",
      "application/vnd.docker.distribution.manifest.v2+json",
      "application/vnd.docker.distribution.manifest.list.v2+json",
      "application/vnd.docker.distribution.manifest.v1+prettyjws",
      "application/json",
      "text/plain; charset=utf-8",
  };
  for (std::string_view ct : kContentTypes) CheckRefusal(spec::ClassifyManifest(ct, body));

  CheckRefusal(spec::ParseManifest(body));
  CheckRefusal(spec::ParseIndex(body));
  CheckRefusal(spec::ParseImageConfig(body));
  return 0;
}
