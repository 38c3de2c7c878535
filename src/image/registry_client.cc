#include "image/registry_client.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "image/registry_http.h"
#include "spec/docker_config.h"
#include "spec/image_spec.h"

namespace berth::image {
namespace {

using Scopes = std::vector<std::string>;
using Clock = std::chrono::steady_clock;

constexpr size_t kMaxManifestBytes = 4 << 20;
constexpr int kMaxRedirects = 10;

// "host:port" -> "host"; "[::1]:5000" -> "::1".
std::string_view HostWithoutPort(std::string_view host) {
  if (host.starts_with('[')) {
    auto close = host.find(']');
    return close == std::string_view::npos ? host : host.substr(1, close - 1);
  }
  if (auto colon = host.rfind(':'); colon != std::string_view::npos && host.find(':') == colon)
    return host.substr(0, colon);
  return host;
}

// Whether IPv4 address `ip` is inside "a.b.c.d/n".
bool InCidr(std::string_view ip, std::string_view cidr) {
  auto slash = cidr.find('/');
  if (slash == std::string_view::npos) return false;
  in_addr a{}, net{};
  std::string ips(ip), nets(cidr.substr(0, slash));
  if (inet_pton(AF_INET, ips.c_str(), &a) != 1 || inet_pton(AF_INET, nets.c_str(), &net) != 1)
    return false;
  int bits = std::atoi(std::string(cidr.substr(slash + 1)).c_str());
  if (bits < 0 || bits > 32) return false;
  uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
  return (ntohl(a.s_addr) & mask) == (ntohl(net.s_addr) & mask);
}

std::string Join(const Scopes& v, std::string_view sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : std::string(sep)) + s;
  return out;
}

std::string AppendQuery(const std::string& url, std::string_view query) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + std::string(query);
}

// The registry's error body, {"errors":[{"code":"UNAUTHORIZED","message":
// "authentication required","detail":...}]}, as docker prints it:
// "unauthorized: authentication required". Without one, a description of
// the status.
struct ErrorBody {
  std::vector<std::string> codes;  // upper case, as sent
  std::string text;
};

ErrorBody DescribeResponse(const http::Response& r) {
  ErrorBody out;
  auto j = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.contains("errors") && j["errors"].is_array()) {
    for (const auto& e : j["errors"]) {
      if (!e.is_object()) continue;
      std::string code = e.value("code", ""), message = e.value("message", "");
      out.codes.push_back(code);
      std::string lower = code;
      std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
      std::string one = lower.empty() ? message : message.empty() ? lower : lower + ": " + message;
      out.text += (out.text.empty() ? "" : ", ") + one;
    }
    if (!out.text.empty()) return out;
  }
  switch (r.status) {
    case 401:
      out.text = "unauthorized: authentication required";
      break;
    case 403:
      out.text = "denied: requested access to the resource is denied";
      break;
    case 404:
      out.text = "not found";
      break;
    case 429:
      out.text = "toomanyrequests: too many requests";
      break;
    default: {
      // Plain-text bodies (proxies, storage backends) say something useful
      // in their first line.
      std::string_view first(r.body);
      first = first.substr(0, std::min(first.find('\n'), size_t{200}));
      out.text = fmt::format("unexpected HTTP status {}", r.status);
      if (!first.empty() && !first.starts_with('<')) out.text += fmt::format(": {}", first);
    }
  }
  return out;
}

bool HasCode(const ErrorBody& e, std::string_view code) {
  return std::find(e.codes.begin(), e.codes.end(), code) != e.codes.end();
}

// The errno a response status stands for, so callers can test the kind of
// failure: EAGAIN marks those worth retrying.
int ErrnoForStatus(long status) {
  if (status == 401 || status == 403) return EACCES;
  if (status == 404) return ENOENT;
  if (status == 429 || status >= 500) return EAGAIN;
  return EIO;
}

bool IsRedirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// One place requests go: the registry itself or a mirror. Its auth state
// is learnt from the first challenge and kept for the client's lifetime.
struct Endpoint {
  std::string host;      // "registry-1.docker.io", "127.0.0.1:5000"
  std::string base_url;  // "https://host", once known
  bool insecure = false;
  std::optional<Credentials> creds;
  // Guarded by Impl::mu:
  enum class Scheme { kUnknown, kBasic, kBearer } scheme = Scheme::kUnknown;
  std::string realm, service;                 // of the bearer challenge
  std::map<std::string, BearerToken> tokens;  // by space-joined scopes
};

}  // namespace

bool IsInsecureRegistry(std::string_view host, const RegistryOptions& options) {
  std::string_view bare = HostWithoutPort(host);
  if (bare == "localhost" || bare == "::1" || InCidr(bare, "127.0.0.0/8")) return true;
  for (const auto& entry : options.insecure_registries) {
    std::string_view e = entry;
    if (auto p = e.find("://"); p != std::string_view::npos) e.remove_prefix(p + 3);
    while (e.ends_with('/')) e.remove_suffix(1);
    if (e == host || e == bare || InCidr(bare, e)) return true;
  }
  return false;
}

struct RegistryClient::Impl {
  std::string domain;  // as given: "docker.io", "127.0.0.1:5000"
  RegistryOptions options;
  std::mutex mu;
  std::vector<std::unique_ptr<Endpoint>> mirrors;
  Endpoint registry;

  // "127.0.0.1:5000/x", "busybox" — a repository as docker names it.
  std::string FamiliarRepo(std::string_view repo) const {
    if (registry.host != "registry-1.docker.io") return domain + "/" + std::string(repo);
    if (repo.starts_with("library/")) repo.remove_prefix(8);
    return std::string(repo);
  }

  Error RegistryError(const http::Response& r, std::string_view repo) const {
    return Error::Classified(
        ErrnoForStatus(r.status),
        fmt::format("registry {}: {} (repository {})", domain, DescribeResponse(r).text, repo));
  }

  std::vector<Endpoint*> PullEndpoints() {
    std::vector<Endpoint*> out;
    for (auto& m : mirrors) out.push_back(m.get());
    out.push_back(&registry);
    return out;
  }

  // The scheme and host to use for `ep`, probing once for insecure hosts.
  Result<std::string> BaseUrl(Endpoint& ep) {
    {
      std::lock_guard lock(mu);
      if (!ep.base_url.empty()) return ep.base_url;
    }
    std::string url = "https://" + ep.host;
    if (ep.insecure) {
      // Docker's order for insecure registries: HTTPS without
      // verification, then plain HTTP. Any HTTP answer settles it.
      http::Request probe{.url = url + "/v2/", .verify_tls = false};
      probe.user_agent = options.user_agent;
      if (auto r = http::Perform(probe); !r) {
        http::Request plain{.url = "http://" + ep.host + "/v2/"};
        plain.user_agent = options.user_agent;
        auto r2 = http::Perform(plain);
        if (!r2) return std::unexpected(r2.error());
        url = "http://" + ep.host;
      }
    }
    std::lock_guard lock(mu);
    ep.base_url = url;
    return url;
  }

  Result<BearerToken> FetchToken(Endpoint& ep, const Scopes& scopes) {
    std::string realm, service;
    {
      std::lock_guard lock(mu);
      realm = ep.realm;
      service = ep.service;
    }
    http::Request req{.url = realm, .verify_tls = !ep.insecure};
    req.user_agent = options.user_agent;
    std::string form;
    if (ep.creds && !ep.creds->identity_token.empty()) {
      // An identity token is an OAuth2 refresh token: exchange it by POST
      // (scopes space-separated in one parameter, as OAuth2 has them).
      form = fmt::format("grant_type=refresh_token&client_id=berth&refresh_token={}",
                         http::QueryEscape(ep.creds->identity_token));
      if (!service.empty()) form += "&service=" + http::QueryEscape(service);
      if (!scopes.empty()) form += "&scope=" + http::QueryEscape(Join(scopes, " "));
      req.method = "POST";
      req.body = form;
      req.headers.push_back("Content-Type: application/x-www-form-urlencoded");
    } else {
      // Docker's token protocol: a GET, with basic credentials when we
      // have them (anonymous otherwise).
      if (!service.empty()) req.url = AppendQuery(req.url, "service=" + http::QueryEscape(service));
      for (const auto& s : scopes) req.url = AppendQuery(req.url, "scope=" + http::QueryEscape(s));
      if (ep.creds) {
        req.url = AppendQuery(req.url, "account=" + http::QueryEscape(ep.creds->username));
        req.headers.push_back("Authorization: " + BasicAuthorization(*ep.creds));
      }
    }
    // Not retried here: every request that needs a token is retried as a
    // whole (Retrying, the blob and upload loops), token fetch included.
    auto resp = TRY_CTX(http::Perform(req), "fetch token for {}", domain);
    if (resp.status == 401 || resp.status == 403) {
      if (ep.creds)
        return FailAs(EACCES, "registry {}: unauthorized: incorrect username or password", domain);
      return FailAs(EACCES, "registry {}: token server {}: {}", domain, realm,
                    DescribeResponse(resp).text);
    }
    if (resp.status != 200)
      return FailAs(ErrnoForStatus(resp.status), "registry {}: token server {}: {}", domain, realm,
                    DescribeResponse(resp).text);
    return TRY_CTX(ParseTokenResponse(resp.body, Clock::now()), "registry {}: token server {}",
                   domain, realm);
  }

  // The Authorization header value for `scopes` on `ep` ("" when the
  // registry has not asked for any), fetching a token when the registry
  // uses bearer tokens and none is cached for these scopes.
  Result<std::string> AuthHeader(Endpoint& ep, const Scopes& scopes) {
    std::string key = Join(scopes, " ");
    {
      std::lock_guard lock(mu);
      switch (ep.scheme) {
        case Endpoint::Scheme::kUnknown:
          return std::string();
        case Endpoint::Scheme::kBasic:
          return ep.creds ? BasicAuthorization(*ep.creds) : std::string();
        case Endpoint::Scheme::kBearer:
          if (auto it = ep.tokens.find(key); it != ep.tokens.end()) {
            if (it->second.expires > Clock::now()) return "Bearer " + it->second.token;
            ep.tokens.erase(it);
          }
      }
    }
    BearerToken t = TRY(FetchToken(ep, scopes));
    std::lock_guard lock(mu);
    ep.tokens[key] = t;
    return "Bearer " + t.token;
  }

  // Learns from a 401's challenge how `ep` authenticates, and forgets any
  // cached token for `scopes` (the registry just refused it). False when
  // the challenge cannot be answered (basic auth without credentials, an
  // unknown scheme): the 401 stands.
  Result<bool> Learn(Endpoint& ep, Scopes& scopes, const http::Response& r) {
    auto values = r.Headers("www-authenticate");
    if (values.empty()) return false;
    auto challenges = TRY_CTX(ParseWwwAuthenticate(Join(values, ", ")), "registry {}", domain);
    const AuthChallenge* bearer = nullptr;
    const AuthChallenge* basic = nullptr;
    for (const auto& c : challenges) {
      if (c.scheme == "bearer" && !bearer) bearer = &c;
      if (c.scheme == "basic" && !basic) basic = &c;
    }
    std::lock_guard lock(mu);
    if (bearer && !bearer->Param("realm").empty()) {
      ep.scheme = Endpoint::Scheme::kBearer;
      ep.realm = bearer->Param("realm");
      ep.service = bearer->Param("service");
      ep.tokens.erase(Join(scopes, " "));
      // Ask for what the registry says it needs too (it may want more
      // than we guessed, or a scope for a request we did not scope).
      std::string wanted = bearer->Param("scope");
      for (size_t pos = 0; pos < wanted.size();) {
        size_t end = std::min(wanted.find(' ', pos), wanted.size());
        std::string s = wanted.substr(pos, end - pos);
        if (!s.empty() && std::find(scopes.begin(), scopes.end(), s) == scopes.end())
          scopes.push_back(s);
        pos = end + 1;
      }
      return true;
    }
    if (basic && ep.creds) {
      ep.scheme = Endpoint::Scheme::kBasic;
      return true;
    }
    return false;
  }

  // One request to `ep`: authentication (answering one 401), then
  // redirects, each hop a fresh exchange. Authorization goes only to the
  // registry's own origin. A req.url starting with "/" is a path on `ep`.
  Result<http::Response> Send(Endpoint& ep, Scopes scopes, http::Request req) {
    std::string base = TRY(BaseUrl(ep));
    std::string origin = http::UrlOrigin(base);
    if (req.url.starts_with('/')) req.url = base + req.url;
    bool answered_challenge = false;
    for (int hops = 0;;) {
      http::Request r = req;
      r.user_agent = options.user_agent;
      r.verify_tls = !ep.insecure;
      bool own = http::UrlOrigin(r.url) == origin;
      if (own) {
        std::string auth = TRY(AuthHeader(ep, scopes));
        if (!auth.empty()) r.headers.push_back("Authorization: " + auth);
      }
      http::Response resp = TRY(http::Perform(r));
      if (resp.status == 401 && own && !answered_challenge) {
        answered_challenge = true;
        if (TRY(Learn(ep, scopes, resp))) continue;
        return resp;
      }
      std::string location = resp.Header("location");
      if (IsRedirect(resp.status) && !location.empty()) {
        if (++hops > kMaxRedirects) return Fail("{} {}: too many redirects", req.method, req.url);
        req.url = TRY(http::ResolveUrl(r.url, location));
        if (resp.status == 303 && req.method != "HEAD") {
          req.method = "GET";
          req.body = {};
          req.reader = nullptr;
        }
        continue;
      }
      return resp;
    }
  }

  // Whether a failed request (not a response) is worth another try: the
  // registry or its token server could not be reached, or the token
  // server answered 429/5xx (EAGAIN, from FetchToken).
  static bool Transient(const Error& e) { return http::IsRetryable(e) || e.code() == EAGAIN; }

  // Runs `attempt` (a request), again after a backoff when it failed to
  // connect or got 429/5xx (from the registry or its token server), up to
  // options.retries more times.
  template <typename F>
  Result<http::Response> Retrying(F attempt) {
    for (int n = 0;; ++n) {
      Result<http::Response> r = attempt();
      bool again = r ? (r->status == 429 || r->status >= 500) : Transient(r.error());
      if (!again || n >= options.retries) return r;
      Backoff(n);
    }
  }

  void Backoff(int n) const {
    std::this_thread::sleep_for(options.initial_backoff * (1 << std::min(n, 10)));
  }

  Result<http::Response> SendRetrying(Endpoint& ep, const Scopes& scopes,
                                      const http::Request& req) {
    return Retrying([&] { return Send(ep, scopes, req); });
  }

  Result<FetchedManifest> GetManifestFrom(Endpoint& ep, std::string_view repo, std::string_view ref,
                                          const std::optional<Digest>& want);
  Status FetchBlobFrom(Endpoint& ep, std::string_view repo, const Digest& digest,
                       int64_t expected_size, const BlobSink& sink, const ProgressFn& progress,
                       int64_t& delivered);
  Status UploadOnce(std::string_view repo, const Digest& digest, int64_t size,
                    const BlobReader& reader, int64_t chunk_size, const ProgressFn& progress);
};

RegistryClient::RegistryClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RegistryClient::~RegistryClient() = default;
const std::string& RegistryClient::host() const { return impl_->registry.host; }

Result<std::unique_ptr<RegistryClient>> RegistryClient::Open(std::string_view domain,
                                                             RegistryOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->domain = std::string(domain);
  impl->registry.host = spec::RegistryApiHost(domain);
  impl->registry.insecure = IsInsecureRegistry(impl->registry.host, options);
  // Stored logins, unless the caller brought credentials.
  std::optional<spec::DockerConfig> config;
  if (options.credentials) {
    // Empty credentials mean "anonymous", not an empty user name.
    const Credentials& c = *options.credentials;
    if (!c.username.empty() || !c.password.empty() || !c.identity_token.empty())
      impl->registry.creds = c;
  } else {
    std::string path = options.docker_config_path.empty() ? spec::DefaultDockerConfigPath()
                                                          : options.docker_config_path;
    config = TRY(spec::DockerConfig::Load(path));
    impl->registry.creds = config->Find(domain);
  }
  if (impl->registry.host == "registry-1.docker.io") {
    for (const auto& m : options.mirrors) {
      auto ep = std::make_unique<Endpoint>();
      std::string base = m;
      while (base.ends_with('/')) base.pop_back();
      if (base.find("://") == std::string::npos) base = "https://" + base;
      ep->base_url = base;
      ep->host = spec::RegistryApiHost(base);
      ep->insecure = IsInsecureRegistry(ep->host, options);
      if (config) ep->creds = config->Find(ep->host);
      impl->mirrors.push_back(std::move(ep));
    }
  }
  impl->options = std::move(options);
  return std::unique_ptr<RegistryClient>(new RegistryClient(std::move(impl)));
}

Status RegistryClient::Login(std::string_view server, const Credentials& credentials,
                             const RegistryOptions& options) {
  RegistryOptions opts = options;
  opts.credentials = credentials;
  opts.mirrors.clear();
  auto client = TRY(Open(server, opts));
  Impl& c = *client->impl_;
  http::Request req{.url = "/v2/"};
  auto resp = TRY_CTX(c.SendRetrying(c.registry, {}, req), "login to {}", c.domain);
  if (resp.status == 200) return Ok();
  if (resp.status == 401)
    return FailAs(EACCES, "login to {}: unauthorized: incorrect username or password", c.domain);
  return FailAs(ErrnoForStatus(resp.status), "login to {}: {}", c.domain,
                DescribeResponse(resp).text);
}

Result<FetchedManifest> RegistryClient::GetManifest(std::string_view repo,
                                                    std::string_view tag_or_digest) {
  std::optional<Digest> want;
  if (tag_or_digest.find(':') != std::string_view::npos) want = TRY(ParseDigest(tag_or_digest));
  Result<FetchedManifest> last = Fail("no endpoint");
  for (Endpoint* ep : impl_->PullEndpoints()) {
    last = impl_->GetManifestFrom(*ep, repo, tag_or_digest, want);
    if (last) break;
  }
  return last;
}

Result<FetchedManifest> RegistryClient::Impl::GetManifestFrom(Endpoint& ep, std::string_view repo,
                                                              std::string_view ref,
                                                              const std::optional<Digest>& want) {
  std::string name =
      FamiliarRepo(repo) + (want ? "@" : ":") + std::string(ref);  // as docker names it
  http::Request req{.url = fmt::format("/v2/{}/manifests/{}", repo, ref),
                    .headers = {"Accept: " + spec::ManifestAcceptHeader()},
                    .max_body = kMaxManifestBytes};
  auto resp = TRY(SendRetrying(ep, {RepositoryScope(repo, false)}, req));
  if (resp.status != 200) {
    ErrorBody e = DescribeResponse(resp);
    if (resp.status == 401 || resp.status == 403 || HasCode(e, "NAME_UNKNOWN"))
      return FailAs(EACCES,
                    "pull access denied for {}, repository does not exist or may require "
                    "'docker login': {}",
                    FamiliarRepo(repo), e.text);
    if (resp.status == 404) return FailAs(ENOENT, "manifest for {} not found: {}", name, e.text);
    return std::unexpected(RegistryError(resp, repo));
  }
  FetchedManifest m;
  m.bytes = std::move(resp.body);
  m.digest = Sha256Of(m.bytes);
  std::string ct = resp.Header("content-type");
  m.media_type = ct.substr(0, std::min(ct.find(';'), ct.size()));
  while (!m.media_type.empty() && m.media_type.back() == ' ') m.media_type.pop_back();
  // The bytes must be what was asked for: by digest, that digest; by tag,
  // what the registry says the tag points at.
  if (want && *want != m.digest)
    return FailAs(EBADMSG, "manifest for {}: registry {} sent content with digest {}", name, domain,
                  m.digest.String());
  if (auto header = ParseDigest(resp.Header("docker-content-digest"));
      header && header->algorithm == "sha256" && *header != m.digest)
    return FailAs(EBADMSG, "manifest for {}: Docker-Content-Digest {} does not match content {}",
                  name, header->String(), m.digest.String());
  return m;
}

Status RegistryClient::FetchBlob(std::string_view repo, const Digest& digest, int64_t expected_size,
                                 const BlobSink& sink, const ProgressFn& progress) {
  // Bytes already handed to the sink survive a switch of endpoint or a
  // retry: the next attempt resumes after them.
  int64_t delivered = 0;
  Status last = Fail("no endpoint");
  for (Endpoint* ep : impl_->PullEndpoints()) {
    last = impl_->FetchBlobFrom(*ep, repo, digest, expected_size, sink, progress, delivered);
    if (last) break;
  }
  return last;
}

Status RegistryClient::Impl::FetchBlobFrom(Endpoint& ep, std::string_view repo,
                                           const Digest& digest, int64_t expected_size,
                                           const BlobSink& sink, const ProgressFn& progress,
                                           int64_t& delivered) {
  std::string what = fmt::format("blob {} of {}", digest.String(), FamiliarRepo(repo));
  bool sink_failed = false;
  for (int attempt = 0;; ++attempt) {
    const int64_t start = delivered;
    int64_t seen = 0;  // body bytes of this response
    http::Request req{.url = fmt::format("/v2/{}/blobs/{}", repo, digest.String())};
    if (start > 0) req.headers.push_back(fmt::format("Range: bytes={}-", start));
    req.sink = [&](long status, std::string_view chunk) -> Status {
      // A 206 continues where we were; a 200 (the server ignored Range)
      // starts over, and the part we have is skipped.
      int64_t at = (status == 206 ? start : 0) + seen;
      seen += static_cast<int64_t>(chunk.size());
      if (at + static_cast<int64_t>(chunk.size()) <= delivered) return Ok();
      if (at < delivered) chunk.remove_prefix(static_cast<size_t>(delivered - at));
      if (expected_size >= 0 && delivered + static_cast<int64_t>(chunk.size()) > expected_size) {
        sink_failed = true;
        return FailAs(EBADMSG, "{}: larger than its {} bytes", what, expected_size);
      }
      if (auto st = sink(chunk); !st) {
        sink_failed = true;
        return st;
      }
      delivered += static_cast<int64_t>(chunk.size());
      if (progress) progress(delivered);
      return Ok();
    };
    auto resp = Send(ep, {RepositoryScope(repo, false)}, req);
    bool again = resp ? (resp->status == 429 || resp->status >= 500)
                      : (!sink_failed && Transient(resp.error()));
    if (again && attempt < options.retries) {
      Backoff(attempt);
      continue;
    }
    // The sink's own failure (the disk is full) names what it wrote to;
    // the fetch adds nothing to that.
    if (!resp && sink_failed) return std::unexpected(std::move(resp).error());
    if (!resp) return std::unexpected(std::move(resp).error().Context(what));
    if (resp->status == 404) return FailAs(ENOENT, "{}: not found in registry {}", what, domain);
    if (resp->status != 200 && resp->status != 206)
      return std::unexpected(RegistryError(*resp, repo).Context(what));
    if (expected_size >= 0 && delivered != expected_size)
      return FailAs(EBADMSG, "{}: got {} bytes, expected {}", what, delivered, expected_size);
    return Ok();
  }
}

Result<bool> RegistryClient::BlobExists(std::string_view repo, const Digest& digest) {
  Impl& c = *impl_;
  http::Request req{.method = "HEAD", .url = fmt::format("/v2/{}/blobs/{}", repo, digest.String())};
  auto resp = TRY(c.SendRetrying(c.registry, {RepositoryScope(repo, true)}, req));
  if (resp.status == 200) return true;
  if (resp.status == 404) return false;
  return std::unexpected(c.RegistryError(resp, repo));
}

Result<bool> RegistryClient::MountBlob(std::string_view repo, const Digest& digest,
                                       std::string_view from_repo) {
  Impl& c = *impl_;
  http::Request req{
      .method = "POST",
      .url = fmt::format("/v2/{}/blobs/uploads/?mount={}&from={}", repo,
                         http::QueryEscape(digest.String()), http::QueryEscape(from_repo))};
  Scopes scopes = {RepositoryScope(repo, true), RepositoryScope(from_repo, false)};
  auto resp = TRY(c.SendRetrying(c.registry, scopes, req));
  if (resp.status == 201) return true;
  if (resp.status == 202) return false;
  return std::unexpected(c.RegistryError(resp, repo));
}

Status RegistryClient::UploadBlob(std::string_view repo, const Digest& digest, int64_t size,
                                  const BlobReader& reader, int64_t chunk_size,
                                  const ProgressFn& progress) {
  // An upload session is not resumable in a way every registry supports,
  // so a failed step restarts the whole upload.
  for (int attempt = 0;; ++attempt) {
    Status st = impl_->UploadOnce(repo, digest, size, reader, chunk_size, progress);
    if (st) return st;
    bool again = Impl::Transient(st.error());
    if (!again || attempt >= impl_->options.retries)
      return std::unexpected(std::move(st).error().Context(
          fmt::format("upload blob {} to {}", digest.String(), impl_->FamiliarRepo(repo))));
    impl_->Backoff(attempt);
  }
}

Status RegistryClient::Impl::UploadOnce(std::string_view repo, const Digest& digest, int64_t size,
                                        const BlobReader& reader, int64_t chunk_size,
                                        const ProgressFn& progress) {
  Scopes scopes = {RepositoryScope(repo, true)};
  // Opening the session: 202 with the upload's URL in Location.
  http::Request open{.method = "POST", .url = fmt::format("/v2/{}/blobs/uploads/", repo)};
  auto resp = TRY(Send(registry, scopes, open));
  if (resp.status != 202) return std::unexpected(RegistryError(resp, repo));
  open.url = TRY(BaseUrl(registry)) + open.url;  // what Location is relative to
  auto next_location = [&](const http::Response& r,
                           const std::string& from) -> Result<std::string> {
    std::string loc = r.Header("location");
    if (loc.empty()) return Fail("registry {}: upload response has no Location", domain);
    return http::ResolveUrl(from, loc);
  };
  std::string location = TRY(next_location(resp, open.url));

  // The body of a PUT or PATCH: bytes [from, from+len) of the blob.
  auto body = [&](http::Request& req, int64_t from, int64_t len) {
    req.headers.push_back("Content-Type: application/octet-stream");
    req.body_size = len;
    req.reader = [&reader, &progress, from](int64_t off, char* buf, size_t n) -> Result<size_t> {
      size_t got = TRY(reader(from + off, buf, n));
      if (progress) progress(from + off + static_cast<int64_t>(got));
      return got;
    };
  };

  int64_t done = 0;
  if (chunk_size > 0) {
    // Chunked: PATCH each piece with its byte range; each answer (202)
    // names the URL for the next.
    while (done < size) {
      int64_t n = std::min(chunk_size, size - done);
      http::Request patch{.method = "PATCH", .url = location};
      patch.headers.push_back(fmt::format("Content-Range: {}-{}", done, done + n - 1));
      body(patch, done, n);
      resp = TRY(Send(registry, scopes, patch));
      if (resp.status != 202) return std::unexpected(RegistryError(resp, repo));
      location = TRY(next_location(resp, patch.url));
      done += n;
    }
  }
  // Closing PUT with the digest: the whole body (monolithic) or none.
  http::Request put{.method = "PUT",
                    .url = AppendQuery(location, "digest=" + http::QueryEscape(digest.String()))};
  if (done < size) {
    body(put, 0, size);
  } else {
    put.headers.push_back("Content-Type: application/octet-stream");
  }
  resp = TRY(Send(registry, scopes, put));
  if (resp.status != 201) return std::unexpected(RegistryError(resp, repo));
  return Ok();
}

Status RegistryClient::PutManifest(std::string_view repo, std::string_view tag_or_digest,
                                   std::string_view media_type, std::string_view bytes) {
  Impl& c = *impl_;
  http::Request req{.method = "PUT",
                    .url = fmt::format("/v2/{}/manifests/{}", repo, tag_or_digest),
                    .headers = {fmt::format("Content-Type: {}", media_type)},
                    .body = bytes};
  auto resp = TRY(c.SendRetrying(c.registry, {RepositoryScope(repo, true)}, req));
  if (resp.status != 201 && resp.status != 200)
    return std::unexpected(
        c.RegistryError(resp, repo).Context(fmt::format("put manifest {}", tag_or_digest)));
  return Ok();
}

}  // namespace berth::image
