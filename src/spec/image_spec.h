// OCI image-spec and Docker distribution documents: descriptors, manifests,
// indexes (manifest lists) and image configs, parsed from the exact bytes a
// registry or archive holds. Digests are always of those bytes; nothing here
// re-serializes a document that is then hashed.
//
// Docker schema 1 manifests are refused (they carry no content-addressed
// config and are deprecated everywhere); so are media types berth does not
// know. Plain value types; no syscalls.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"

namespace berth::spec {

namespace media {
inline constexpr const char* kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr const char* kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr const char* kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr const char* kOciLayer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr const char* kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr const char* kOciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr const char* kOciLayerNondistGzip =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
inline constexpr const char* kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr const char* kDockerList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr const char* kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr const char* kDockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr const char* kDockerLayerForeign =
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
inline constexpr const char* kDockerSchema1 =
    "application/vnd.docker.distribution.manifest.v1+json";
inline constexpr const char* kDockerSchema1Signed =
    "application/vnd.docker.distribution.manifest.v1+prettyjws";
}  // namespace media

// The Accept header value for fetching manifests: every kind berth reads.
std::string ManifestAcceptHeader();
bool IsLayerMediaType(std::string_view mt);
bool IsManifestMediaType(std::string_view mt);
bool IsIndexMediaType(std::string_view mt);

struct Platform {
  std::string architecture;
  std::string os;
  std::string os_version;
  std::string variant;
  std::string String() const;  // "linux/amd64", "linux/arm/v7"
};

struct Descriptor {
  std::string media_type;
  std::string digest;  // "sha256:…"
  int64_t size = 0;
  std::vector<std::string> urls;
  std::map<std::string, std::string> annotations;
  std::optional<Platform> platform;
};

struct Manifest {
  std::string media_type;  // as declared, or kOciManifest when absent
  Descriptor config;
  std::vector<Descriptor> layers;
  std::map<std::string, std::string> annotations;
};

struct Index {
  std::string media_type;
  std::vector<Descriptor> manifests;
  std::map<std::string, std::string> annotations;
};

// The parts of an image config berth uses; `raw` keeps the whole document
// (for inspect and for writing it back unchanged).
struct ImageConfig {
  std::string architecture, os, variant, created, author;
  nlohmann::json config = nlohmann::json::object();  // Env, Cmd, Entrypoint, ...
  std::vector<std::string> diff_ids;
  nlohmann::json history = nlohmann::json::array();
  nlohmann::json raw;
};

enum class DocumentKind { kManifest, kIndex };

// Which kind of document `body` is: by `content_type` (a registry's
// Content-Type header, may be empty), else by its mediaType field, else by
// its shape. Schema 1 and unknown types are errors.
Result<DocumentKind> ClassifyManifest(std::string_view content_type, std::string_view body);

Result<Manifest> ParseManifest(std::string_view body);
Result<Index> ParseIndex(std::string_view body);
Result<ImageConfig> ParseImageConfig(std::string_view body);

nlohmann::json DescriptorToJson(const Descriptor& d);
Result<Descriptor> DescriptorFromJson(const nlohmann::json& j, const std::string& where);

}  // namespace berth::spec
