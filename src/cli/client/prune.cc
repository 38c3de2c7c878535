#include "cli/client/prune.h"

#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/client/container_format.h"
#include "cli/client/json_fields.h"
#include "cli/client/units.h"

namespace berth::cli {

bool ConfirmPrune(const std::string& what) {
  std::printf("WARNING! This will remove %s.\nAre you sure you want to continue? [y/N] ",
              what.c_str());
  std::fflush(stdout);
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y";
}

int PostPrune(ClientOptions& o, const std::string& path, const std::vector<std::string>& filters,
              const std::string& deleted_key, const std::string& title) {
  std::string q = path;
  if (!filters.empty()) {
    auto fj = FiltersJson(filters);
    if (!fj) return LocalError(fj.error());
    q += "?filters=" + UrlEncode(*fj);
  }
  auto r = o.Client().Call("POST", q);
  if (!r) return LocalError(r.error());
  if (r->status != 200) return DaemonError(*r);
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_object() && j.contains(deleted_key) && j[deleted_key].is_array() &&
      !j[deleted_key].empty()) {
    std::printf("Deleted %s:\n", title.c_str());
    for (const auto& n : j[deleted_key])
      if (n.is_string()) std::printf("%s\n", n.get<std::string>().c_str());
    std::printf("\n");
  }
  std::printf(
      "Total reclaimed space: %s\n",
      HumanSizeWithPrecision(static_cast<double>(IntField(j, "SpaceReclaimed")), 4).c_str());
  return 0;
}

}  // namespace berth::cli
