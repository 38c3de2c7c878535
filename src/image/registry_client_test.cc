// RegistryClient against a real registry (Debian's docker-registry, started
// per test suite on a free loopback port) and against tiny fake HTTP
// servers for what a real registry cannot be made to do on demand (bearer
// token servers, redirects to storage, failures mid-blob).
#include "image/registry_client.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "base/fs.h"
#include "image/registry_test_servers.h"
#include "image/test_blobs.h"
#include "spec/docker_config.h"
#include "spec/image_spec.h"

namespace berth::image {
namespace {

using test_blobs::MakeDir;
using test_blobs::RandomBytes;

using registry_testing::FreePort;
using registry_testing::kRegistryBinary;
using registry_testing::LocalRegistry;
using registry_testing::Reply;
using registry_testing::TinyHttpServer;
using registry_testing::TinyRequest;

BlobReader ReaderOf(const std::string& data) {
  return [&data](int64_t off, char* buf, size_t len) -> Result<size_t> {
    return data.copy(buf, len, static_cast<size_t>(off));
  };
}

// Fetches a whole blob into a string.
Result<std::string> Fetch(RegistryClient& c, std::string_view repo, const Digest& d, int64_t size,
                          int64_t* last_progress = nullptr) {
  std::string out;
  TRY(c.FetchBlob(
      repo, d, size,
      [&](std::string_view chunk) {
        out.append(chunk);
        return Ok();
      },
      [&](int64_t n) {
        if (last_progress) *last_progress = n;
      }));
  return out;
}

// --- tests against docker-registry ---

class RegistryClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::access(kRegistryBinary, X_OK) != 0) return;
    dir_ = new std::string(MakeDir("registry"));
    auto r = LocalRegistry::Start(*dir_, "");
    if (!r) {
      start_error_ = new std::string(r.error().What());
      return;
    }
    registry_ = r->release();
  }
  static void TearDownTestSuite() {
    delete registry_;
    registry_ = nullptr;
    if (dir_) (void)RemoveAll(*dir_);
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (::access(kRegistryBinary, X_OK) != 0) GTEST_SKIP() << kRegistryBinary << " not installed";
    ASSERT_EQ(start_error_, nullptr) << *start_error_;
    options_.docker_config_path = *dir_ + "/no-such-config.json";
    options_.initial_backoff = std::chrono::milliseconds(10);
    auto c = RegistryClient::Open(registry_->host(), options_);
    ASSERT_TRUE(c) << c.error().What();
    client_ = std::move(*c);
  }

  // Pushes `data` as a blob of `repo` and returns its digest.
  Digest Push(std::string_view repo, const std::string& data, int64_t chunk = 0) {
    Digest d = Sha256Of(data);
    auto st =
        client_->UploadBlob(repo, d, static_cast<int64_t>(data.size()), ReaderOf(data), chunk);
    EXPECT_TRUE(st) << st.error().What();
    return d;
  }

  static inline std::string* dir_ = nullptr;
  static inline std::string* start_error_ = nullptr;
  static inline LocalRegistry* registry_ = nullptr;
  RegistryOptions options_;
  std::unique_ptr<RegistryClient> client_;
};

TEST_F(RegistryClientTest, PushesAndPullsAnImage) {
  std::string layer1 = RandomBytes(300000, 1), layer2 = RandomBytes(1000000, 2);
  Digest d1 = Sha256Of(layer1), d2 = Sha256Of(layer2);
  auto exists = client_->BlobExists("test/image", d1);
  ASSERT_TRUE(exists) << exists.error().What();
  EXPECT_FALSE(*exists);

  // One layer in a single PUT, one in PATCH chunks that do not divide it.
  Push("test/image", layer1);
  int64_t uploaded = 0;
  auto st = client_->UploadBlob("test/image", d2, static_cast<int64_t>(layer2.size()),
                                ReaderOf(layer2), 300000, [&](int64_t n) { uploaded = n; });
  ASSERT_TRUE(st) << st.error().What();
  EXPECT_EQ(uploaded, 1000000);
  EXPECT_TRUE(*client_->BlobExists("test/image", d1));
  EXPECT_TRUE(*client_->BlobExists("test/image", d2));

  std::string config = R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers",)"
                       R"("diff_ids":[]}})";
  Digest dc = Push("test/image", config);
  std::string manifest = fmt::format(
      R"({{"schemaVersion":2,"mediaType":"{}","config":{{"mediaType":"{}","digest":"{}",)"
      R"("size":{}}},"layers":[{{"mediaType":"{}","digest":"{}","size":{}}},)"
      R"({{"mediaType":"{}","digest":"{}","size":{}}}]}})",
      spec::media::kOciManifest, spec::media::kOciConfig, dc.String(), config.size(),
      spec::media::kOciLayerGzip, d1.String(), layer1.size(), spec::media::kOciLayerGzip,
      d2.String(), layer2.size());
  st = client_->PutManifest("test/image", "v1", spec::media::kOciManifest, manifest);
  ASSERT_TRUE(st) << st.error().What();

  // By tag and by digest: the same bytes, type and digest.
  for (std::string ref : {std::string("v1"), Sha256Of(manifest).String()}) {
    auto m = client_->GetManifest("test/image", ref);
    ASSERT_TRUE(m) << ref << ": " << m.error().What();
    EXPECT_EQ(m->bytes, manifest);
    EXPECT_EQ(m->media_type, spec::media::kOciManifest);
    EXPECT_EQ(m->digest, Sha256Of(manifest));
  }

  int64_t progress = 0;
  auto got = Fetch(*client_, "test/image", d2, static_cast<int64_t>(layer2.size()), &progress);
  ASSERT_TRUE(got) << got.error().What();
  EXPECT_TRUE(*got == layer2);
  EXPECT_EQ(progress, 1000000);
  EXPECT_EQ(*Fetch(*client_, "test/image", d1, -1), layer1);
  EXPECT_EQ(*Fetch(*client_, "test/image", dc, static_cast<int64_t>(config.size())), config);

  // A blob longer than its descriptor says is refused.
  auto wrong = Fetch(*client_, "test/image", d1, 1000);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().What().find("larger than its 1000 bytes"), std::string::npos);
}

TEST_F(RegistryClientTest, FetchesBlobsConcurrently) {
  std::vector<std::string> blobs;
  std::vector<Digest> digests;
  for (unsigned i = 0; i < 6; ++i) {
    blobs.push_back(RandomBytes(200000 + i * 1000, 10 + i));
    digests.push_back(Push("test/parallel", blobs.back()));
  }
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (size_t i = 0; i < blobs.size(); ++i) {
    threads.emplace_back([&, i] {
      auto got = Fetch(*client_, "test/parallel", digests[i], -1);
      if (got && *got == blobs[i]) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 6);
}

TEST_F(RegistryClientTest, MountsBlobsAcrossRepositories) {
  std::string data = RandomBytes(5000, 3);
  Digest d = Push("src/repo", data);
  auto mounted = client_->MountBlob("dst/repo", d, "src/repo");
  ASSERT_TRUE(mounted) << mounted.error().What();
  EXPECT_TRUE(*mounted);
  EXPECT_TRUE(*client_->BlobExists("dst/repo", d));
  EXPECT_EQ(*Fetch(*client_, "dst/repo", d, 5000), data);

  // A blob the source does not have cannot be mounted: upload instead.
  Digest absent = Sha256Of("never pushed");
  auto not_mounted = client_->MountBlob("dst/repo", absent, "src/repo");
  ASSERT_TRUE(not_mounted) << not_mounted.error().What();
  EXPECT_FALSE(*not_mounted);
}

TEST_F(RegistryClientTest, MissingThingsAreNotFound) {
  Push("test/present", "x");
  auto m = client_->GetManifest("test/present", "nope");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code(), ENOENT);
  EXPECT_NE(m.error().What().find(
                fmt::format("manifest for {}/test/present:nope not found", registry_->host())),
            std::string::npos)
      << m.error().What();

  auto blob = Fetch(*client_, "test/present", Sha256Of("absent"), -1);
  ASSERT_FALSE(blob);
  EXPECT_EQ(blob.error().code(), ENOENT);
  EXPECT_NE(blob.error().What().find("not found"), std::string::npos) << blob.error().What();

  auto bad_digest = client_->GetManifest("test/present", "sha256:1234");
  EXPECT_FALSE(bad_digest);
}

TEST_F(RegistryClientTest, UnreachableRegistryFailsAfterRetries) {
  options_.retries = 2;
  auto c = RegistryClient::Open(fmt::format("127.0.0.1:{}", FreePort()), options_);
  ASSERT_TRUE(c);
  auto m = (*c)->GetManifest("x", "latest");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code(), ECONNREFUSED) << m.error().What();
}

// --- htpasswd basic auth ---

class RegistryBasicAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(kRegistryBinary, X_OK) != 0) GTEST_SKIP() << kRegistryBinary << " not installed";
    if (::access("/usr/bin/htpasswd", X_OK) != 0) GTEST_SKIP() << "htpasswd not installed";
    dir_ = MakeDir("registry-auth");
    FILE* p = ::popen("/usr/bin/htpasswd -Bbn user pass", "r");
    ASSERT_NE(p, nullptr);
    std::string line(256, '\0');
    line.resize(::fread(line.data(), 1, line.size(), p));
    ::pclose(p);
    ASSERT_TRUE(WriteFileAtomic(dir_ + "/htpasswd", line));
    auto r = LocalRegistry::Start(
        dir_,
        fmt::format("auth:\n  htpasswd:\n    realm: test-realm\n    path: {}/htpasswd\n", dir_));
    ASSERT_TRUE(r) << r.error().What();
    registry_ = std::move(*r);
    options_.docker_config_path = dir_ + "/config.json";
    options_.initial_backoff = std::chrono::milliseconds(10);
  }
  void TearDown() override {
    registry_.reset();
    if (!dir_.empty()) (void)RemoveAll(dir_);
  }
  std::string dir_;
  std::unique_ptr<LocalRegistry> registry_;
  RegistryOptions options_;
};

TEST_F(RegistryBasicAuthTest, NeedsCredentials) {
  std::string host = registry_->host();
  Digest d = Sha256Of("secret layer");
  {
    auto anon = RegistryClient::Open(host, options_);
    ASSERT_TRUE(anon);
    auto e = (*anon)->BlobExists("foo", d);
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code(), EACCES);
    EXPECT_EQ(e.error().What(), fmt::format("registry {}: unauthorized: authentication required "
                                            "(repository foo)",
                                            host));
    auto m = (*anon)->GetManifest("foo", "latest");
    ASSERT_FALSE(m);
    EXPECT_NE(m.error().What().find(fmt::format(
                  "pull access denied for {}/foo, repository does not exist or may require "
                  "'docker login'",
                  host)),
              std::string::npos)
        << m.error().What();
  }

  // Credentials from a docker config file, as `docker login` leaves them.
  {
    auto cfg = spec::DockerConfig::Load(options_.docker_config_path);
    cfg->Store(host, {"user", "pass"});
    ASSERT_TRUE(cfg->Save(options_.docker_config_path));
  }
  auto authed = RegistryClient::Open(host, options_);
  ASSERT_TRUE(authed) << authed.error().What();
  std::string data = "secret layer";
  ASSERT_TRUE((*authed)->UploadBlob("foo", d, 12, ReaderOf(data)));
  auto e = (*authed)->BlobExists("foo", d);
  ASSERT_TRUE(e) << e.error().What();
  EXPECT_TRUE(*e);
  EXPECT_EQ(*Fetch(**authed, "foo", d, 12), data);

  EXPECT_TRUE(RegistryClient::Login(host, {"user", "pass"}, options_));
  auto bad = RegistryClient::Login(host, {"user", "wrong"}, options_);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().What(),
            fmt::format("login to {}: unauthorized: incorrect username or password", host));
}

// --- fakes: bearer tokens, redirects, flaky servers ---

constexpr const char* kManifest = R"({"schemaVersion":2,"layers":[]})";

TEST(RegistryBearerTest, FetchesAndCachesTokens) {
  TinyHttpServer tokens([](const TinyRequest& r) {
    if (r.Header("authorization") == BasicAuthorization({"alice", "wrong"}))
      return Reply(401, R"({"details":"incorrect username or password"})");
    return Reply(200, R"({"token":"tok123","expires_in":300})", {"Content-Type: application/json"});
  });
  std::string realm = tokens.url() + "/token";
  TinyHttpServer registry([&](const TinyRequest& r) {
    std::string challenge =
        fmt::format(R"(WWW-Authenticate: Bearer realm="{}",service="fake registry",scope="{}")",
                    realm, r.target == "/v2/" ? "" : "repository:foo:pull");
    if (r.Header("authorization") != "Bearer tok123")
      return Reply(401,
                   R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})",
                   {challenge});
    if (r.target == "/v2/") return Reply(200, "{}");
    return Reply(200, kManifest,
                 {fmt::format("Content-Type: {}", spec::media::kOciManifest),
                  "Docker-Content-Digest: " + Sha256Of(kManifest).String()});
  });

  RegistryOptions opts;
  opts.credentials = Credentials{"alice", "secret"};
  auto c = RegistryClient::Open(registry.host(), opts);
  ASSERT_TRUE(c);
  for (int i = 0; i < 3; ++i) {
    auto m = (*c)->GetManifest("foo", "latest");
    ASSERT_TRUE(m) << m.error().What();
    EXPECT_EQ(m->bytes, kManifest);
    EXPECT_EQ(m->media_type, spec::media::kOciManifest);
  }
  // One token, fetched with the user's credentials for the repository's
  // pull scope, and reused: one 401, then three authorized requests.
  auto treqs = tokens.requests();
  ASSERT_EQ(treqs.size(), 1u);
  EXPECT_EQ(treqs[0].target,
            "/token?service=fake%20registry&scope=repository%3Afoo%3Apull&account=alice");
  EXPECT_EQ(treqs[0].Header("authorization"), BasicAuthorization({"alice", "secret"}));
  auto rreqs = registry.requests();
  // The insecure probe of https fails before reaching the server; then
  // GET /v2/ probe over http, the 401, and three authorized GETs.
  ASSERT_EQ(rreqs.size(), 5u);
  EXPECT_EQ(rreqs[0].target, "/v2/");
  EXPECT_EQ(rreqs[1].Header("authorization"), "");
  EXPECT_EQ(rreqs[1].Header("accept"), spec::ManifestAcceptHeader());
  EXPECT_EQ(rreqs[4].Header("authorization"), "Bearer tok123");
  EXPECT_NE(rreqs[4].Header("user-agent").find("berth/"), std::string::npos);

  // Login goes through the same challenge; wrong credentials fail at the
  // token server.
  EXPECT_TRUE(RegistryClient::Login(registry.host(), {"alice", "secret"}, opts));
  auto bad = RegistryClient::Login(registry.host(), {"alice", "wrong"}, opts);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().What().find("unauthorized: incorrect username or password"),
            std::string::npos)
      << bad.error().What();
}

TEST(RegistryBearerTest, ExchangesIdentityTokens) {
  TinyHttpServer tokens([](const TinyRequest& r) {
    if (r.method == "POST" && r.body.find("refresh_token=rt%2F1") != std::string::npos)
      return Reply(200, R"({"access_token":"tok9","expires_in":60})");
    return Reply(401, "{}");
  });
  std::string realm = tokens.url() + "/token";
  TinyHttpServer registry([&](const TinyRequest& r) {
    if (r.Header("authorization") != "Bearer tok9")
      return Reply(401, "",
                   {fmt::format(R"(WWW-Authenticate: Bearer realm="{}",service="svc")", realm)});
    return Reply(200, kManifest, {fmt::format("Content-Type: {}", spec::media::kOciManifest)});
  });
  RegistryOptions opts;
  opts.credentials = Credentials{"00000000-0000-0000-0000-000000000000", "", "rt/1"};
  auto c = RegistryClient::Open(registry.host(), opts);
  ASSERT_TRUE(c);
  auto m = (*c)->GetManifest("foo", "latest");
  ASSERT_TRUE(m) << m.error().What();
  auto treqs = tokens.requests();
  ASSERT_EQ(treqs.size(), 1u);
  EXPECT_EQ(treqs[0].method, "POST");
  EXPECT_EQ(treqs[0].Header("content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(treqs[0].body,
            "grant_type=refresh_token&client_id=berth&refresh_token=rt%2F1&service=svc&"
            "scope=repository%3Afoo%3Apull");
}

TEST(RegistryMirrorTest, PullsFromDockerHubMirrorsFirst) {
  std::string blob = RandomBytes(1000, 5);
  TinyHttpServer mirror([&](const TinyRequest& r) {
    if (r.target == "/v2/library/busybox/manifests/latest")
      return Reply(200, kManifest, {fmt::format("Content-Type: {}", spec::media::kOciManifest)});
    if (r.target == "/v2/library/busybox/blobs/" + Sha256Of(blob).String()) return Reply(200, blob);
    return Reply(404, "");
  });
  RegistryOptions opts;
  opts.credentials = Credentials{};
  opts.mirrors = {mirror.url() + "/"};
  auto c = RegistryClient::Open("docker.io", opts);
  ASSERT_TRUE(c);
  EXPECT_EQ((*c)->host(), "registry-1.docker.io");
  auto m = (*c)->GetManifest("library/busybox", "latest");
  ASSERT_TRUE(m) << m.error().What();
  EXPECT_EQ(m->bytes, kManifest);
  EXPECT_EQ(*Fetch(**c, "library/busybox", Sha256Of(blob), 1000), blob);
  EXPECT_EQ(mirror.requests().size(), 2u);
}

TEST(RegistryManifestTest, RefusesManifestsThatDoNotMatchTheirDigest) {
  TinyHttpServer registry([&](const TinyRequest& r) {
    std::vector<std::string> headers = {"Content-Type: application/json"};
    if (r.target.ends_with("/lying"))
      headers.push_back("Docker-Content-Digest: " + Sha256Of("other").String());
    return Reply(200, kManifest, headers);
  });
  RegistryOptions opts;
  opts.credentials = Credentials{};
  auto c = RegistryClient::Open(registry.host(), opts);
  ASSERT_TRUE(c);
  auto by_digest = (*c)->GetManifest("foo", Sha256Of("other").String());
  ASSERT_FALSE(by_digest);
  EXPECT_EQ(by_digest.error().code(), EBADMSG);
  EXPECT_NE(
      by_digest.error().What().find("sent content with digest " + Sha256Of(kManifest).String()),
      std::string::npos)
      << by_digest.error().What();
  auto lying = (*c)->GetManifest("foo", "lying");
  ASSERT_FALSE(lying);
  EXPECT_NE(lying.error().What().find("does not match"), std::string::npos);
  auto honest = (*c)->GetManifest("foo", "honest");
  ASSERT_TRUE(honest) << honest.error().What();
  EXPECT_EQ(honest->media_type, "application/json");
}

TEST(RegistryRedirectTest, BlobRedirectsDropAuthorization) {
  std::string blob = RandomBytes(70000, 7);
  Digest d = Sha256Of(blob);
  TinyHttpServer storage([&](const TinyRequest&) { return Reply(200, blob); });
  TinyHttpServer registry([&](const TinyRequest& r) {
    if (r.Header("authorization") != BasicAuthorization({"u", "p"}))
      return Reply(401, "", {R"(WWW-Authenticate: Basic realm="x")"});
    if (r.target == "/v2/") return Reply(200, "{}");
    return Reply(307, "", {"Location: " + storage.url() + "/bucket/obj?sig=1"});
  });
  RegistryOptions opts;
  opts.credentials = Credentials{"u", "p"};
  auto c = RegistryClient::Open(registry.host(), opts);
  ASSERT_TRUE(c);
  auto got = Fetch(**c, "foo", d, static_cast<int64_t>(blob.size()));
  ASSERT_TRUE(got) << got.error().What();
  EXPECT_TRUE(*got == blob);
  auto sreqs = storage.requests();
  ASSERT_EQ(sreqs.size(), 1u);
  EXPECT_EQ(sreqs[0].target, "/bucket/obj?sig=1");
  EXPECT_EQ(sreqs[0].Header("authorization"), "");
}

TEST(RegistryRetryTest, RetriesServerErrorsAndResumesBrokenBlobs) {
  std::string blob = RandomBytes(100000, 9);
  Digest d = Sha256Of(blob);
  std::atomic<int> blob_requests{0};
  TinyHttpServer registry([&](const TinyRequest& r) {
    if (r.target == "/v2/") return Reply(200, "{}");
    switch (blob_requests++) {
      case 0:
        return Reply(503, "overloaded");
      case 1: {  // announces the whole blob, sends 40000 bytes and hangs up
        std::string full = Reply(200, blob);
        return full.substr(0, full.size() - blob.size() + 40000);
      }
      default: {
        std::string range = r.Header("range");
        if (range != "bytes=40000-") return Reply(400, "bad range " + range);
        return Reply(206, std::string_view(blob).substr(40000),
                     {"Content-Range: bytes 40000-99999/100000"});
      }
    }
  });
  RegistryOptions opts;
  opts.credentials = Credentials{};
  opts.initial_backoff = std::chrono::milliseconds(1);
  auto c = RegistryClient::Open(registry.host(), opts);
  ASSERT_TRUE(c);
  auto got = Fetch(**c, "foo", d, 100000);
  ASSERT_TRUE(got) << got.error().What();
  EXPECT_EQ(blob_requests.load(), 3);
  EXPECT_TRUE(*got == blob);
}

TEST(RegistryRetryTest, GivesUpAfterTheConfiguredRetries) {
  std::atomic<int> n{0};
  TinyHttpServer registry([&](const TinyRequest& r) {
    if (r.target == "/v2/") return Reply(200, "{}");
    ++n;
    return Reply(500, R"({"errors":[{"code":"UNKNOWN","message":"storage is on fire"}]})");
  });
  RegistryOptions opts;
  opts.credentials = Credentials{};
  opts.retries = 2;
  opts.initial_backoff = std::chrono::milliseconds(1);
  auto c = RegistryClient::Open(registry.host(), opts);
  ASSERT_TRUE(c);
  auto e = (*c)->GetManifest("foo", "latest");
  ASSERT_FALSE(e);
  EXPECT_EQ(n.load(), 3);
  EXPECT_NE(e.error().What().find("unknown: storage is on fire"), std::string::npos)
      << e.error().What();
}

TEST(RegistryRetryTest, ReturnsTheSinksErrorUnchangedAndDoesNotRetryIt) {
  std::string blob = RandomBytes(50000, 4);
  Digest d = Sha256Of(blob);
  std::atomic<int> blob_requests{0};
  TinyHttpServer registry([&](const TinyRequest& r) {
    if (r.target == "/v2/") return Reply(200, "{}");
    ++blob_requests;
    return Reply(200, blob);
  });
  RegistryOptions opts;
  opts.credentials = Credentials{};
  opts.initial_backoff = std::chrono::milliseconds(1);
  auto c = RegistryClient::Open(registry.host(), opts);
  ASSERT_TRUE(c);
  // As the content store's writer fails on a full disk.
  auto st = (*c)->FetchBlob("foo", d, 50000, [](std::string_view) -> Status {
    return FailAs(ENOSPC, "blob x: write: No space left on device");
  });
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().What(), "blob x: write: No space left on device");
  EXPECT_EQ(st.error().code(), ENOSPC);
  EXPECT_EQ(blob_requests.load(), 1);
}

// A token server that cannot be reached is retried as often as a
// registry, not once per retry of every request that needed the token.
TEST(RegistryRetryTest, RetriesAnUnreachableTokenServerOnlyAsOftenAsTheRegistry) {
  std::atomic<int> token_requests{0};
  TinyHttpServer tokens([&](const TinyRequest&) {
    ++token_requests;
    return std::string();  // hangs up without an answer
  });
  std::string challenge = fmt::format(
      R"(WWW-Authenticate: Bearer realm="{}/token",service="fake",scope="repository:foo:pull")",
      tokens.url());
  TinyHttpServer registry([&](const TinyRequest& r) {
    if (r.target == "/v2/") return Reply(200, "{}");
    return Reply(401, R"({"errors":[{"code":"UNAUTHORIZED","message":"no"}]})", {challenge});
  });
  RegistryOptions opts;
  opts.credentials = Credentials{};
  opts.retries = 3;
  opts.initial_backoff = std::chrono::milliseconds(1);
  auto c = RegistryClient::Open(registry.host(), opts);
  ASSERT_TRUE(c);
  auto m = (*c)->GetManifest("foo", "latest");
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().What().find("fetch token for " + registry.host()), std::string::npos)
      << m.error().What();
  EXPECT_EQ(token_requests.load(), 4);
  // A token server answering 503 is retried the same way.
  token_requests = 0;
  TinyHttpServer busy([&](const TinyRequest&) {
    ++token_requests;
    return Reply(503, "busy");
  });
  challenge =
      fmt::format(R"(WWW-Authenticate: Bearer realm="{}/token",service="fake")", busy.url());
  auto c2 = RegistryClient::Open(registry.host(), opts);
  ASSERT_TRUE(c2);
  auto st = (*c2)->FetchBlob("foo", Sha256Of("x"), 1, [](std::string_view) { return Ok(); });
  ASSERT_FALSE(st);
  EXPECT_EQ(token_requests.load(), 4) << st.error().What();
}

TEST(RegistryOptionsTest, LoopbackAndListedHostsAreInsecure) {
  RegistryOptions o;
  EXPECT_TRUE(IsInsecureRegistry("127.0.0.1:5000", o));
  EXPECT_TRUE(IsInsecureRegistry("127.3.4.5", o));
  EXPECT_TRUE(IsInsecureRegistry("localhost:5000", o));
  EXPECT_TRUE(IsInsecureRegistry("[::1]:5000", o));
  EXPECT_FALSE(IsInsecureRegistry("registry-1.docker.io", o));
  EXPECT_FALSE(IsInsecureRegistry("10.1.2.3:5000", o));
  o.insecure_registries = {"reg.lan:5000", "10.0.0.0/8", "http://plain.example/"};
  EXPECT_TRUE(IsInsecureRegistry("reg.lan:5000", o));
  EXPECT_FALSE(IsInsecureRegistry("reg.lan:5001", o));
  EXPECT_TRUE(IsInsecureRegistry("10.1.2.3:5000", o));
  EXPECT_TRUE(IsInsecureRegistry("plain.example", o));
}

}  // namespace
}  // namespace berth::image
