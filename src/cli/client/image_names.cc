#include "cli/client/image_names.h"

namespace berth::cli {

ImageName SplitImageName(const std::string& ref) {
  ImageName n;
  std::string rest = ref;
  if (size_t at = rest.find('@'); at != std::string::npos) {
    n.digest = rest.substr(at + 1);
    rest = rest.substr(0, at);
  }
  size_t slash = rest.rfind('/'), colon = rest.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    n.tag = rest.substr(colon + 1);
    n.tag_given = true;
    rest = rest.substr(0, colon);
  }
  if (n.tag.empty() && n.digest.empty()) n.tag = "latest";
  n.repository = rest;
  return n;
}

namespace {

bool HasDomain(const std::string& repository) {
  size_t slash = repository.find('/');
  if (slash == std::string::npos) return false;
  std::string first = repository.substr(0, slash);
  return first.find('.') != std::string::npos || first.find(':') != std::string::npos ||
         first == "localhost";
}

}  // namespace

std::string RegistryDomain(const std::string& repository) {
  return HasDomain(repository) ? repository.substr(0, repository.find('/')) : "docker.io";
}

std::string FullImageName(const ImageName& n) {
  std::string repo = n.repository;
  if (!HasDomain(repo))
    repo = "docker.io/" + (repo.find('/') == std::string::npos ? "library/" + repo : repo);
  if (!n.digest.empty()) return repo + "@" + n.digest;
  return repo + ":" + n.tag;
}

}  // namespace berth::cli
