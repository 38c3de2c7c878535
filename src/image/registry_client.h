// A client of the Docker Registry HTTP API v2 (the OCI distribution spec):
// what `pull`, `push` and `login` talk to.
//
// One RegistryClient serves one registry (a reference's domain, e.g.
// "docker.io" or "localhost:5000") and any repositories on it; every call
// names its repository ("library/busybox"). It authenticates as registries
// ask (see registry_auth.h): on a 401 it answers the WWW-Authenticate
// challenge with a bearer token (fetched from the challenge's realm, with
// the user's credentials when it has them) or basic credentials, and
// remembers the answer, so that later requests carry it from the start.
// Tokens are cached per scope until they expire.
//
// Transport: every request goes through libcurl. Redirects are followed by
// the client itself (registries redirect blob GETs to object storage); the
// Authorization header is sent only to the registry's own origin, never to
// the host a redirect points at. Connection failures, 429 and 5xx responses
// (of the registry or its token server) are retried `retries` times with
// exponential backoff (200 ms, doubling), a request and the token fetch it
// needed as one; a blob download that breaks mid-way resumes with a Range
// request.
//
// Insecure registries (plain HTTP allowed; the loopback hosts 127.0.0.0/8,
// ::1 and localhost:* always, as docker treats them, plus those listed in
// RegistryOptions::insecure_registries): the first request probes HTTPS
// without certificate verification, and falls back to plain HTTP for the
// client's lifetime if the probe gets no HTTP answer at all. Others are
// HTTPS only, certificates verified.
//
// Thread safety: every method may be called concurrently from any number
// of threads (e.g. one per layer being fetched); shared state (resolved
// endpoints, token cache) is behind a mutex and no lock is held during
// network I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "image/digest.h"
#include "image/registry_auth.h"

namespace berth::image {

struct RegistryOptions {
  // Registries ("host[:port]") that may be reached over plain HTTP or
  // HTTPS with unverified certificates, in addition to loopback hosts.
  std::vector<std::string> insecure_registries;
  // Mirrors of Docker Hub ("https://mirror.example.com"), tried in order
  // before registry-1.docker.io for pulls (GetManifest, FetchBlob) from
  // docker.io; a mirror that fails is skipped. Never used for pushes.
  std::vector<std::string> mirrors;
  // Where stored logins are read: docker's config.json. Empty means
  // spec::DefaultDockerConfigPath().
  std::string docker_config_path;
  // Credentials to use instead of the config file's (for `login`, and
  // `--username/--password` style callers). Set but empty means anonymous.
  std::optional<Credentials> credentials;
  // Retries after the first attempt, for connection errors, 429 and 5xx.
  int retries = 3;
  std::chrono::milliseconds initial_backoff{200};
  std::string user_agent = "berth/0.1.0";
};

// Whether `host` ("127.0.0.1:5000", "localhost", "[::1]:5000", "reg:5000")
// may be reached without verified TLS under `options`.
bool IsInsecureRegistry(std::string_view host, const RegistryOptions& options);

// A manifest or index as the registry served it.
struct FetchedManifest {
  std::string bytes;       // exactly as received; its digest is `digest`
  std::string media_type;  // Content-Type without parameters (may be empty)
  Digest digest;           // sha256 of `bytes`
};

// Receives a blob's bytes in order, piece by piece. An error aborts the
// download and is returned by FetchBlob unchanged.
using BlobSink = std::function<Status(std::string_view)>;
// Called as a download or upload progresses, with the bytes done so far.
using ProgressFn = std::function<void(int64_t bytes_so_far)>;
// Reads up to `len` bytes of the blob at `offset` into `buf` (like
// pread); returns how many, 0 only past the end. Uploads call it again
// from an earlier offset when they retry.
using BlobReader = std::function<Result<size_t>(int64_t offset, char* buf, size_t len)>;

class RegistryClient {
 public:
  // A client for the registry `domain` (a Reference's domain: "docker.io",
  // "quay.io", "localhost:5000"). Reads stored credentials for it from the
  // docker config unless options.credentials is set; a malformed config
  // file is an error.
  static Result<std::unique_ptr<RegistryClient>> Open(std::string_view domain,
                                                      RegistryOptions options);
  ~RegistryClient();
  RegistryClient(const RegistryClient&) = delete;
  RegistryClient& operator=(const RegistryClient&) = delete;

  // GET /v2/ with `credentials`, answering the auth challenge, to check a
  // login before `berth login` stores it. Success when the registry
  // accepts the credentials (or needs none). Errors read
  // "login to HOST: unauthorized: incorrect username or password".
  static Status Login(std::string_view server, const Credentials& credentials,
                      const RegistryOptions& options);

  // The manifest (or index) `repo`:`tag_or_digest`, asking for every media
  // type berth reads (spec::ManifestAcceptHeader). When fetched by digest,
  // the bytes must hash to it; when by tag, they must match the
  // Docker-Content-Digest header if the registry sent one. Documents over
  // 4 MiB are refused. Not found: ENOENT, "manifest for HOST/REPO:TAG not
  // found: manifest unknown: ..."; no access: EACCES, "pull access denied
  // for REPO, repository does not exist or may require 'docker login': ...".
  Result<FetchedManifest> GetManifest(std::string_view repo, std::string_view tag_or_digest);

  // Streams blob `digest` of `repo` into `sink`. `expected_size` (or -1
  // when unknown) bounds what is accepted; a short or long blob is an
  // error. The digest is NOT verified here: the sink's consumer (the
  // content store's writer) hashes what it stores. `progress` (optional)
  // sees the bytes delivered so far.
  Status FetchBlob(std::string_view repo, const Digest& digest, int64_t expected_size,
                   const BlobSink& sink, const ProgressFn& progress = {});

  // Whether `repo` has blob `digest` (HEAD). 404 is false; other failures
  // are errors.
  Result<bool> BlobExists(std::string_view repo, const Digest& digest);

  // Asks the registry to link blob `digest` from `from_repo` (same
  // registry) into `repo` without uploading it. True when mounted (201);
  // false when the registry declined and started an upload instead (202;
  // that upload session is abandoned, registries expire them), in which
  // case the caller uploads.
  Result<bool> MountBlob(std::string_view repo, const Digest& digest, std::string_view from_repo);

  // Uploads `size` bytes read through `reader` as blob `digest` of `repo`:
  // POST to open an upload, then one PUT with the whole body when
  // chunk_size is 0, else PATCHes of chunk_size bytes (Content-Range) and
  // a closing PUT. A failure of any step retries the whole upload (as the
  // retry policy allows). The registry checks the digest.
  Status UploadBlob(std::string_view repo, const Digest& digest, int64_t size,
                    const BlobReader& reader, int64_t chunk_size = 0,
                    const ProgressFn& progress = {});

  // PUTs a manifest or index under `tag_or_digest` with Content-Type
  // `media_type`; the blobs it names must be in `repo` already.
  Status PutManifest(std::string_view repo, std::string_view tag_or_digest,
                     std::string_view media_type, std::string_view bytes);

  // The API host this client talks to ("registry-1.docker.io").
  const std::string& host() const;

 private:
  struct Impl;
  explicit RegistryClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace berth::image
