#include "spec/docker_config.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/base64.h"
#include "base/fs.h"

namespace berth::spec {
namespace {

class DockerConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-dockercfg-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/sub/config.json";
  }
  void TearDown() override { (void)RemoveAll(dir_); }
  std::string dir_, path_;
};

TEST_F(DockerConfigTest, MissingFileIsEmpty) {
  auto cfg = DockerConfig::Load(path_);
  ASSERT_TRUE(cfg) << cfg.error().What();
  EXPECT_FALSE(cfg->Find("docker.io"));
  EXPECT_FALSE(cfg->Erase("docker.io"));
}

TEST_F(DockerConfigTest, StoreSaveLoadEraseRoundTrip) {
  auto cfg = DockerConfig::Load(path_);
  ASSERT_TRUE(cfg);
  cfg->Store("docker.io", {"hubuser", "hub:pass"});
  cfg->Store("localhost:5000", {"me", "secret"});
  ASSERT_TRUE(cfg->Save(path_));

  // 0600 in a 0700 directory, and nothing else left beside it.
  struct stat st;
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir_ + "/sub").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  // Docker's layout: the Hub under its v1 URL, base64(user:pass).
  auto json = nlohmann::json::parse(*ReadFile(path_));
  EXPECT_EQ(json["auths"]["https://index.docker.io/v1/"]["auth"], Base64Encode("hubuser:hub:pass"));
  EXPECT_EQ(json["auths"]["localhost:5000"]["auth"], Base64Encode("me:secret"));

  auto again = DockerConfig::Load(path_);
  ASSERT_TRUE(again) << again.error().What();
  for (const char* hub :
       {"docker.io", "index.docker.io", "registry-1.docker.io", "https://index.docker.io/v1/"}) {
    auto c = again->Find(hub);
    ASSERT_TRUE(c) << hub;
    EXPECT_EQ(c->username, "hubuser");
    EXPECT_EQ(c->password, "hub:pass");  // split at the first colon only
  }
  ASSERT_TRUE(again->Find("https://localhost:5000/v2/"));
  EXPECT_EQ(again->Find("localhost:5000")->password, "secret");
  EXPECT_FALSE(again->Find("localhost:5001"));

  EXPECT_TRUE(again->Erase("localhost:5000"));
  EXPECT_FALSE(again->Erase("localhost:5000"));
  ASSERT_TRUE(again->Save(path_));
  auto third = DockerConfig::Load(path_);
  ASSERT_TRUE(third);
  EXPECT_FALSE(third->Find("localhost:5000"));
  EXPECT_TRUE(third->Find("docker.io"));
}

TEST_F(DockerConfigTest, KeepsOtherFieldsAndReadsOldSpellings) {
  ASSERT_TRUE(MkdirAll(dir_ + "/sub", 0700));
  ASSERT_TRUE(WriteFileAtomic(path_, R"({
    "auths": {
      "https://quay.io/v1/": {"auth": ")" +
                                         Base64Encode("q:w") + R"("},
      "reg.example.com": {"username": "u", "password": "p", "identitytoken": "tok"}
    },
    "credsStore": "desktop",
    "proxies": {"default": {"httpProxy": "http://proxy:3128"}}
  })"));
  auto cfg = DockerConfig::Load(path_);
  ASSERT_TRUE(cfg) << cfg.error().What();
  EXPECT_EQ(cfg->Find("quay.io")->username, "q");
  auto r = cfg->Find("reg.example.com");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->password, "p");
  EXPECT_EQ(r->identity_token, "tok");

  // Storing replaces the old spelling with the canonical key.
  cfg->Store("quay.io", {"q2", "w2"});
  ASSERT_TRUE(cfg->Save(path_));
  auto json = nlohmann::json::parse(*ReadFile(path_));
  EXPECT_EQ(json["credsStore"], "desktop");
  EXPECT_EQ(json["proxies"]["default"]["httpProxy"], "http://proxy:3128");
  EXPECT_FALSE(json["auths"].contains("https://quay.io/v1/"));
  EXPECT_EQ(json["auths"]["quay.io"]["auth"], Base64Encode("q2:w2"));
}

TEST_F(DockerConfigTest, MalformedFilesAreErrorsNamingThem) {
  ASSERT_TRUE(MkdirAll(dir_ + "/sub", 0700));
  ASSERT_TRUE(WriteFileAtomic(path_, "{not json"));
  auto bad = DockerConfig::Load(path_);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().What().find(path_), std::string::npos);

  ASSERT_TRUE(WriteFileAtomic(path_, R"({"auths": {"h": {"auth": "bm9jb2xvbg=="}}})"));
  bad = DockerConfig::Load(path_);  // base64 of "nocolon"
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().What().find("user:password"), std::string::npos) << bad.error().What();
}

TEST_F(DockerConfigTest, KeysAndDefaultPath) {
  EXPECT_EQ(CredentialKey("docker.io"), "https://index.docker.io/v1/");
  EXPECT_EQ(CredentialKey("https://registry-1.docker.io/v2/"), "https://index.docker.io/v1/");
  EXPECT_EQ(CredentialKey("http://localhost:5000/v2/"), "localhost:5000");
  EXPECT_EQ(RegistryApiHost("docker.io"), "registry-1.docker.io");
  EXPECT_EQ(RegistryApiHost("https://index.docker.io/v1/"), "registry-1.docker.io");
  EXPECT_EQ(RegistryApiHost("quay.io"), "quay.io");

  const char* old = ::getenv("DOCKER_CONFIG");
  std::string saved = old ? old : "";
  ::setenv("DOCKER_CONFIG", "/etc/somewhere", 1);
  EXPECT_EQ(DefaultDockerConfigPath(), "/etc/somewhere/config.json");
  ::unsetenv("DOCKER_CONFIG");
  if (const char* home = ::getenv("HOME")) {
    EXPECT_EQ(DefaultDockerConfigPath(), std::string(home) + "/.docker/config.json");
  }
  if (old) ::setenv("DOCKER_CONFIG", saved.c_str(), 1);
}

}  // namespace
}  // namespace berth::spec
