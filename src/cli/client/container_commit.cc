// berth commit [-a AUTHOR] [-m MESSAGE] [-c CHANGE]... [-p] CONTAINER
// [REPOSITORY[:TAG]]: POST /commit, printing the new image's ID as docker
// does.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/client/commands.h"
#include "cli/client/image_names.h"

namespace berth::cli {

void AddCommitCommand(CLI::App& parent, ClientOptions& o, ClientAction* a) {
  struct Flags {
    std::string container, repo, author, message;
    std::vector<std::string> changes;
    bool pause = true;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = parent.add_subcommand("commit", "Create a new image from a container's changes");
  cmd->add_option("CONTAINER", f->container, "container")->required();
  cmd->add_option("REPOSITORY", f->repo, "REPOSITORY[:TAG]");
  cmd->add_option("-a,--author", f->author,
                  "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")");
  cmd->add_option("-m,--message", f->message, "Commit message");
  cmd->add_option("-c,--change", f->changes, "Apply Dockerfile instruction to the created image")
      ->allow_extra_args(false);
  cmd->add_flag("-p,--pause{true}", f->pause, "Pause container during commit (default true)");
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      std::string q = "/commit?container=" + UrlEncode(f->container);
      if (!f->repo.empty()) {
        // As the docker CLI: repository and tag apart (a digest cannot
        // name what is being made).
        ImageName n = SplitImageName(f->repo);
        if (!n.digest.empty()) {
          std::fprintf(stderr, "refusing to create a tag with a digest reference\n");
          return 1;
        }
        q += "&repo=" + UrlEncode(n.repository) + "&tag=" + UrlEncode(n.tag);
      }
      if (!f->author.empty()) q += "&author=" + UrlEncode(f->author);
      if (!f->message.empty()) q += "&comment=" + UrlEncode(f->message);
      q += std::string("&pause=") + (f->pause ? "1" : "0");
      for (const std::string& c : f->changes) q += "&changes=" + UrlEncode(c);
      auto r = o.Client().Call("POST", q);
      if (!r) return LocalError(r.error());
      if (r->status / 100 != 2) return DaemonError(*r);
      auto j = nlohmann::json::parse(r->body, nullptr, false);
      if (!j.is_object() || !j.contains("Id") || !j["Id"].is_string()) {
        std::fprintf(stderr, "commit: unexpected answer from the daemon: %s\n", r->body.c_str());
        return 1;
      }
      std::printf("%s\n", j["Id"].get<std::string>().c_str());
      return 0;
    };
  });
}

}  // namespace berth::cli
