#include "spec/image_spec.h"

namespace berth::spec {

using nlohmann::json;

std::string ManifestAcceptHeader() {
  // Schema 1 is accepted so that a registry serving only that gets a clear
  // "not supported" from berth rather than a confusing 404.
  return std::string(media::kOciIndex) + ", " + media::kOciManifest + ", " + media::kDockerList +
         ", " + media::kDockerManifest + ", " + media::kDockerSchema1Signed + ", " +
         media::kDockerSchema1;
}

bool IsLayerMediaType(std::string_view mt) {
  for (const char* m : {media::kOciLayer, media::kOciLayerGzip, media::kOciLayerZstd,
                        media::kOciLayerNondistGzip, media::kDockerLayerGzip,
                        media::kDockerLayerForeign, "application/vnd.docker.image.rootfs.diff.tar",
                        "application/vnd.oci.image.layer.nondistributable.v1.tar"})
    if (mt == m) return true;
  return false;
}
bool IsManifestMediaType(std::string_view mt) {
  return mt == media::kOciManifest || mt == media::kDockerManifest;
}
bool IsIndexMediaType(std::string_view mt) {
  return mt == media::kOciIndex || mt == media::kDockerList;
}

std::string Platform::String() const {
  std::string s = os + "/" + architecture;
  if (!variant.empty()) s += "/" + variant;
  return s;
}

namespace {

Result<json> ParseObject(std::string_view body, const char* what) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Fail("{}: not a JSON object", what);
  return j;
}

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A missing or non-integer field reads as 0 (json::value would throw).
int64_t Int(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

std::map<std::string, std::string> StrMap(const json& j, const char* key) {
  std::map<std::string, std::string> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_object()) return out;
  for (auto& [k, v] : it->items())
    if (v.is_string()) out[k] = v.get<std::string>();
  return out;
}

Status RefuseSchema1(std::string_view mt) {
  if (mt == media::kDockerSchema1 || mt == media::kDockerSchema1Signed)
    return Fail(
        "Docker Image manifest schema 1 ({}) is not supported; push the image again with a "
        "current client",
        mt);
  return Ok();
}

}  // namespace

json DescriptorToJson(const Descriptor& d) {
  json j = {{"mediaType", d.media_type}, {"digest", d.digest}, {"size", d.size}};
  if (!d.urls.empty()) j["urls"] = d.urls;
  if (!d.annotations.empty()) j["annotations"] = d.annotations;
  if (d.platform) {
    json p = {{"architecture", d.platform->architecture}, {"os", d.platform->os}};
    if (!d.platform->variant.empty()) p["variant"] = d.platform->variant;
    if (!d.platform->os_version.empty()) p["os.version"] = d.platform->os_version;
    j["platform"] = p;
  }
  return j;
}

Result<Descriptor> DescriptorFromJson(const json& j, const std::string& where) {
  if (!j.is_object()) return Fail("{}: not an object", where);
  Descriptor d;
  d.media_type = Str(j, "mediaType");
  d.digest = Str(j, "digest");
  if (d.digest.empty()) return Fail("{}: no digest", where);
  auto size = j.find("size");
  if (size == j.end() || !size->is_number_integer() || size->get<int64_t>() < 0)
    return Fail("{}: size must be a non-negative integer", where);
  d.size = size->get<int64_t>();
  if (auto u = j.find("urls"); u != j.end() && u->is_array())
    for (auto& x : *u)
      if (x.is_string()) d.urls.push_back(x.get<std::string>());
  d.annotations = StrMap(j, "annotations");
  if (auto p = j.find("platform"); p != j.end() && p->is_object()) {
    Platform pl;
    pl.architecture = Str(*p, "architecture");
    pl.os = Str(*p, "os");
    pl.variant = Str(*p, "variant");
    pl.os_version = Str(*p, "os.version");
    d.platform = pl;
  }
  return d;
}

Result<DocumentKind> ClassifyManifest(std::string_view content_type, std::string_view body) {
  // Registries may add parameters ("; charset=utf-8").
  std::string_view ct = content_type.substr(0, content_type.find(';'));
  while (!ct.empty() && ct.back() == ' ') ct.remove_suffix(1);
  TRY(RefuseSchema1(ct));
  if (IsManifestMediaType(ct)) return DocumentKind::kManifest;
  if (IsIndexMediaType(ct)) return DocumentKind::kIndex;
  auto j = TRY(ParseObject(body, "manifest"));
  std::string mt = Str(j, "mediaType");
  TRY(RefuseSchema1(mt));
  if (Int(j, "schemaVersion") == 1)
    return std::unexpected(RefuseSchema1(media::kDockerSchema1).error());
  if (IsManifestMediaType(mt)) return DocumentKind::kManifest;
  if (IsIndexMediaType(mt)) return DocumentKind::kIndex;
  if (!mt.empty()) return Fail("unsupported manifest media type {:?}", mt);
  if (!ct.empty() && ct != "application/json" && ct != "text/plain" &&
      ct != "application/octet-stream")
    return Fail("unsupported manifest media type {:?}", ct);
  // OCI allows mediaType to be absent: tell the kinds apart by shape.
  if (j.contains("manifests")) return DocumentKind::kIndex;
  if (j.contains("config") && j.contains("layers")) return DocumentKind::kManifest;
  return Fail("manifest: neither an image manifest nor an index");
}

Result<Manifest> ParseManifest(std::string_view body) {
  auto j = TRY(ParseObject(body, "manifest"));
  if (Int(j, "schemaVersion") != 2)
    return Fail("manifest: schemaVersion {} is not supported", Int(j, "schemaVersion"));
  Manifest m;
  m.media_type = Str(j, "mediaType");
  TRY(RefuseSchema1(m.media_type));
  if (m.media_type.empty()) m.media_type = media::kOciManifest;
  if (!IsManifestMediaType(m.media_type))
    return Fail("manifest: unsupported media type {:?}", m.media_type);
  m.config =
      TRY(DescriptorFromJson(j.contains("config") ? j["config"] : json(), "manifest config"));
  auto layers = j.find("layers");
  if (layers == j.end() || !layers->is_array()) return Fail("manifest: no layers array");
  for (size_t i = 0; i < layers->size(); i++) {
    auto d = TRY(DescriptorFromJson((*layers)[i], "manifest layers[" + std::to_string(i) + "]"));
    if (!IsLayerMediaType(d.media_type))
      return Fail("manifest layers[{}]: unsupported layer media type {:?}", i, d.media_type);
    m.layers.push_back(std::move(d));
  }
  m.annotations = StrMap(j, "annotations");
  return m;
}

Result<Index> ParseIndex(std::string_view body) {
  auto j = TRY(ParseObject(body, "index"));
  Index x;
  x.media_type = Str(j, "mediaType");
  if (x.media_type.empty()) x.media_type = media::kOciIndex;
  if (!IsIndexMediaType(x.media_type))
    return Fail("index: unsupported media type {:?}", x.media_type);
  auto ms = j.find("manifests");
  if (ms == j.end() || !ms->is_array()) return Fail("index: no manifests array");
  for (size_t i = 0; i < ms->size(); i++)
    x.manifests.push_back(
        TRY(DescriptorFromJson((*ms)[i], "index manifests[" + std::to_string(i) + "]")));
  x.annotations = StrMap(j, "annotations");
  return x;
}

Result<ImageConfig> ParseImageConfig(std::string_view body) {
  auto j = TRY(ParseObject(body, "image config"));
  ImageConfig c;
  c.architecture = Str(j, "architecture");
  c.os = Str(j, "os");
  c.variant = Str(j, "variant");
  c.created = Str(j, "created");
  c.author = Str(j, "author");
  if (auto cfg = j.find("config"); cfg != j.end() && cfg->is_object()) c.config = *cfg;
  auto rootfs = j.find("rootfs");
  if (rootfs == j.end() || !rootfs->is_object()) return Fail("image config: no rootfs");
  auto ids = rootfs->find("diff_ids");
  if (ids == rootfs->end() || !ids->is_array()) return Fail("image config: no rootfs.diff_ids");
  for (auto& d : *ids) {
    if (!d.is_string()) return Fail("image config: rootfs.diff_ids holds a non-string");
    c.diff_ids.push_back(d.get<std::string>());
  }
  if (auto h = j.find("history"); h != j.end() && h->is_array()) c.history = *h;
  c.raw = std::move(j);
  return c;
}

}  // namespace berth::spec
