// Splitting a user's image reference the way the docker CLI does before it
// calls the API: repository, tag (default "latest") or digest, and the
// fully qualified name docker prints after a pull. Validation is the
// daemon's; this only splits.
#pragma once

#include <string>

namespace berth::cli {

struct ImageName {
  std::string repository;  // as typed, without tag or digest
  std::string tag;         // "latest" when neither tag nor digest was given
  std::string digest;      // "sha256:…" or empty
  bool tag_given = false;  // the user typed a tag (push -a refuses one)
};

ImageName SplitImageName(const std::string& ref);
// "docker.io/library/busybox:latest", "localhost:5000/x@sha256:…".
std::string FullImageName(const ImageName& n);
// The registry a repository lives on, as docker decides it: the first
// path component when it looks like a host ("localhost", or contains '.'
// or ':'), else "docker.io".
std::string RegistryDomain(const std::string& repository);

}  // namespace berth::cli
