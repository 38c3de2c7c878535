#include "image/reference.h"

#include <cctype>

namespace berth::image {

namespace {

bool IsAlnumLower(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// path-component: alphanumeric runs joined by ".", "_", "__" or dashes.
bool ValidPathComponent(std::string_view s) {
  if (s.empty() || !IsAlnumLower(s.front()) || !IsAlnumLower(s.back())) return false;
  for (size_t i = 0; i < s.size();) {
    if (IsAlnumLower(s[i])) {
      i++;
      continue;
    }
    size_t j = i;
    while (j < s.size() && !IsAlnumLower(s[j])) j++;
    std::string_view sep = s.substr(i, j - i);
    bool dashes = sep.find_first_not_of('-') == std::string_view::npos;
    if (!(sep == "." || sep == "_" || sep == "__" || dashes)) return false;
    i = j;
  }
  return true;
}

bool HasUpper(std::string_view s) {
  for (char c : s)
    if (c >= 'A' && c <= 'Z') return true;
  return false;
}

// domain: dot-separated hostname labels (letters, digits, inner dashes),
// an optional :port; or a bracketed IPv6 address with optional port.
bool ValidDomain(std::string_view d) {
  if (d.empty()) return false;
  std::string_view host = d;
  if (d.front() == '[') {
    auto close = d.find(']');
    if (close == std::string_view::npos) return false;
    host = d.substr(1, close - 1);
    for (char c : host)
      if (!(isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.')) return false;
    std::string_view rest = d.substr(close + 1);
    if (rest.empty()) return true;
    if (rest.front() != ':' || rest.size() < 2) return false;
    for (char c : rest.substr(1))
      if (!isdigit(static_cast<unsigned char>(c))) return false;
    return true;
  }
  auto colon = d.find(':');
  if (colon != std::string_view::npos) {
    std::string_view port = d.substr(colon + 1);
    if (port.empty()) return false;
    for (char c : port)
      if (!isdigit(static_cast<unsigned char>(c))) return false;
    host = d.substr(0, colon);
  }
  if (host.empty()) return false;
  size_t start = 0;
  while (start <= host.size()) {
    size_t dot = host.find('.', start);
    std::string_view label =
        host.substr(start, dot == std::string_view::npos ? host.npos : dot - start);
    if (label.empty() || label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
      if (!(isalnum(static_cast<unsigned char>(c)) || c == '-')) return false;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

bool ValidTag(std::string_view t) {
  if (t.empty() || t.size() > 128) return false;
  auto word = [](char c) { return isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  if (!word(t.front())) return false;
  for (char c : t)
    if (!(word(c) || c == '.' || c == '-')) return false;
  return true;
}

std::unexpected<Error> Invalid(std::string_view text, std::string_view why) {
  return Fail("invalid reference format{}{}: {:?}", why.empty() ? "" : ": ", why, text);
}

Result<Reference> Parse(std::string_view text, bool name_only) {
  if (text.empty()) return Invalid(text, "");
  Reference r;
  std::string_view rest = text;
  if (auto at = rest.find('@'); at != std::string_view::npos) {
    if (name_only) return Invalid(text, "");
    auto d = ParseDigest(rest.substr(at + 1));
    if (!d) return Invalid(text, "");
    r.digest = *d;
    rest = rest.substr(0, at);
  }
  // A tag is after the last ':' that comes after the last '/' (a ':' before
  // it belongs to a domain's port).
  auto slash = rest.rfind('/');
  auto colon = rest.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    if (name_only) return Invalid(text, "");
    std::string_view tag = rest.substr(colon + 1);
    if (!ValidTag(tag)) return Invalid(text, "");
    r.tag = tag;
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return Invalid(text, "");
  // Domain: the first component, if it looks like a host.
  std::string_view name = rest;
  auto first_slash = rest.find('/');
  if (first_slash != std::string_view::npos) {
    std::string_view first = rest.substr(0, first_slash);
    if (first.find_first_of(".:") != std::string_view::npos || first == "localhost" ||
        HasUpper(first)) {
      if (!ValidDomain(first)) return Invalid(text, "");
      r.domain = first;
      name = rest.substr(first_slash + 1);
    }
  }
  if (HasUpper(name)) return Invalid(text, "repository name must be lowercase");
  size_t start = 0;
  while (true) {
    size_t s = name.find('/', start);
    if (!ValidPathComponent(
            name.substr(start, s == std::string_view::npos ? name.npos : s - start)))
      return Invalid(text, "");
    if (s == std::string_view::npos) break;
    start = s + 1;
  }
  if (r.domain.empty() || r.domain == "index.docker.io") r.domain = kDockerHubDomain;
  r.path = name;
  if (r.domain == kDockerHubDomain && r.path.find('/') == std::string::npos)
    r.path = "library/" + r.path;
  if (r.Name().size() > 255)
    return Invalid(text, "repository name must not be more than 255 characters");
  if (!name_only && r.tag.empty() && !r.digest) r.tag = "latest";
  return r;
}

}  // namespace

std::string Reference::String() const {
  std::string s = Name();
  if (!tag.empty()) s += ":" + tag;
  if (digest) s += "@" + digest->String();
  return s;
}

std::string Reference::FamiliarName() const {
  if (domain != kDockerHubDomain) return Name();
  if (path.starts_with("library/") && path.find('/', 8) == std::string::npos) return path.substr(8);
  return path;
}

std::string Reference::FamiliarString() const {
  std::string s = FamiliarName();
  if (!tag.empty()) s += ":" + tag;
  if (digest) s += "@" + digest->String();
  return s;
}

std::string Reference::RegistryHost() const {
  return domain == kDockerHubDomain ? "registry-1.docker.io" : domain;
}

Result<Reference> ParseReference(std::string_view text) { return Parse(text, false); }
Result<Reference> ParseNormalizedName(std::string_view text) { return Parse(text, true); }

bool LooksLikeImageId(std::string_view text) {
  if (text.starts_with("sha256:")) text.remove_prefix(7);
  if (text.empty() || text.size() > 64) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace berth::image
