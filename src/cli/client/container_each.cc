#include "cli/client/container_each.h"

#include <cstdio>

namespace berth::cli {

std::string ContainerPath(const std::string& name) { return "/containers/" + UrlEncode(name); }

int ForEachContainer(
    ClientOptions& o, const std::vector<std::string>& names,
    const std::function<Result<ApiResponse>(ApiClient&, const std::string&)>& call,
    const std::function<std::string(const std::string&, const ApiResponse&)>& output) {
  std::vector<std::string> errors;
  for (const std::string& n : names) {
    ApiClient client = o.Client();
    auto r = call(client, n);
    if (!r) {
      errors.push_back(r.error().What());
      continue;
    }
    if (r->status / 100 != 2) {
      errors.push_back("Error response from daemon: " + r->ErrorMessage());
      continue;
    }
    std::string line = output ? output(n, *r) : n;
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  }
  for (const std::string& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
  return errors.empty() ? 0 : 1;
}

}  // namespace berth::cli
