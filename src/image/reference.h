// Docker image references: "busybox", "user/repo:tag", "host:5000/a/b@sha256:…".
//
// The grammar is distribution's (the one the docker CLI and dockerd use):
//   reference  := name [ ":" tag ] [ "@" digest ]
//   name       := [ domain "/" ] path-component { "/" path-component }
//   domain     := a first component containing "." or ":", or "localhost"
//   path-comp  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
//   tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
// Names without a domain are on Docker Hub ("docker.io"), and one-component
// Hub names are official images under "library/". A reference without tag
// or digest means ":latest" once normalized.
//
// Reference is a plain value type.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "image/digest.h"

namespace berth::image {

inline constexpr const char* kDockerHubDomain = "docker.io";

struct Reference {
  std::string domain;  // "docker.io", "localhost:5000"
  std::string path;    // "library/busybox"
  std::string tag;     // empty when none was given
  std::optional<Digest> digest;

  // "docker.io/library/busybox:latest", "host/a@sha256:…" — the form stored
  // in the metadata DB. Tag and digest both appear when both are set.
  std::string String() const;
  // "docker.io/library/busybox"
  std::string Name() const { return domain + "/" + path; }
  // What docker prints: "busybox:latest", "user/x:1", "localhost:5000/x:1".
  std::string FamiliarString() const;
  std::string FamiliarName() const;
  // The host to talk to for the registry API (Docker Hub's is
  // registry-1.docker.io).
  std::string RegistryHost() const;
};

// Parses and normalizes (adds docker.io, library/ and, when neither tag nor
// digest is given, "latest"). Errors read like docker's: "invalid reference
// format: repository name must be lowercase" and name the input.
Result<Reference> ParseReference(std::string_view text);

// Parses a name with no tag or digest (for `docker tag`'s target
// repository, `push`). Keeps tag/digest empty.
Result<Reference> ParseNormalizedName(std::string_view text);

// Whether `text` is a full or short hex image ID (docker accepts IDs and
// unique prefixes of at least 1 char; 64 hex chars for a full one).
bool LooksLikeImageId(std::string_view text);

}  // namespace berth::image
