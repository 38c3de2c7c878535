// berth system df [-v]: GET /system/df, printed as docker's summary table
// (TYPE, TOTAL, ACTIVE, SIZE, RECLAIMABLE), or with -v each image,
// container and volume on its own line.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/client/commands.h"
#include "cli/client/json_fields.h"
#include "cli/client/units.h"

namespace berth::cli {
namespace {

using nlohmann::json;

const json& ArrayField(const json& j, const char* key) {
  static const json kEmpty = json::array();
  if (!j.is_object() || !j.contains(key) || !j[key].is_array()) return kEmpty;
  return j[key];
}

std::string Size(int64_t bytes) { return HumanSizeWithPrecision(static_cast<double>(bytes), 4); }

// docker's RECLAIMABLE cell: "1.2MB (50%)", the percentage only when there is any size.
std::string Reclaimable(int64_t reclaimable, int64_t total) {
  if (total <= 0) return Size(reclaimable);
  return fmt::format("{} ({}%)", Size(reclaimable), reclaimable * 100 / total);
}

}  // namespace

void AddSystemDfCommand(CLI::App& parent, ClientOptions& o, ClientAction* a) {
  auto verbose = std::make_shared<bool>(false);
  auto* cmd = parent.add_subcommand("df", "Show berth disk usage");
  cmd->add_flag("-v,--verbose", *verbose, "show detailed information on space usage");
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      auto r = o.Client().Call("GET", "/system/df");
      if (!r) return LocalError(r.error());
      if (r->status != 200) return DaemonError(*r);
      json j = json::parse(r->body, nullptr, false);
      const json& images = ArrayField(j, "Images");
      const json& containers = ArrayField(j, "Containers");
      const json& volumes = ArrayField(j, "Volumes");
      int64_t image_size = 0, image_free = 0, image_active = 0;
      for (const json& i : images) {
        image_size += IntField(i, "Size");
        if (IntField(i, "Containers") > 0)
          image_active++;
        else
          image_free += IntField(i, "Size");
      }
      int64_t container_size = 0, container_free = 0, container_active = 0;
      for (const json& c : containers) {
        container_size += IntField(c, "SizeRw");
        if (StrField(c, "State") == "running")
          container_active++;
        else
          container_free += IntField(c, "SizeRw");
      }
      int64_t volume_size = 0, volume_free = 0, volume_active = 0;
      for (const json& v : volumes) {
        json usage = v.is_object() && v.contains("UsageData") ? v["UsageData"] : json::object();
        volume_size += IntField(usage, "Size");
        if (IntField(usage, "RefCount") > 0)
          volume_active++;
        else
          volume_free += IntField(usage, "Size");
      }
      if (!*verbose) {
        std::vector<std::vector<std::string>> rows = {
            {"TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"},
            {"Images", std::to_string(images.size()), std::to_string(image_active),
             Size(image_size), Reclaimable(image_free, image_size)},
            {"Containers", std::to_string(containers.size()), std::to_string(container_active),
             Size(container_size), Reclaimable(container_free, container_size)},
            {"Local Volumes", std::to_string(volumes.size()), std::to_string(volume_active),
             Size(volume_size), Reclaimable(volume_free, volume_size)},
            {"Build Cache", "0", "0", "0B", "0B"}};
        std::fputs(FormatTable(rows, 10).c_str(), stdout);
        return 0;
      }
      std::printf("Images space usage:\n\n");
      std::vector<std::vector<std::string>> irows = {
          {"REPOSITORY", "TAG", "IMAGE ID", "SIZE", "SHARED SIZE", "UNIQUE SIZE", "CONTAINERS"}};
      for (const json& i : images) {
        std::string repo = "<none>", tag = "<none>";
        const json& tags = ArrayField(i, "RepoTags");
        if (!tags.empty() && tags[0].is_string()) {
          std::string t = tags[0].get<std::string>();
          size_t colon = t.rfind(':');
          repo = t.substr(0, colon);
          tag = colon == std::string::npos ? "" : t.substr(colon + 1);
        }
        std::string id = StrField(i, "Id");
        if (id.starts_with("sha256:")) id = id.substr(7);
        irows.push_back({repo, tag, id.substr(0, 12), Size(IntField(i, "Size")), "0B",
                         Size(IntField(i, "Size")), std::to_string(IntField(i, "Containers"))});
      }
      std::fputs(FormatTable(irows, 10).c_str(), stdout);
      std::printf("\nContainers space usage:\n\n");
      std::vector<std::vector<std::string>> crows = {
          {"CONTAINER ID", "IMAGE", "SIZE", "STATUS", "NAMES"}};
      for (const json& c : containers) {
        const json& names = ArrayField(c, "Names");
        std::string name =
            !names.empty() && names[0].is_string() ? names[0].get<std::string>() : "";
        if (name.starts_with("/")) name = name.substr(1);
        crows.push_back({StrField(c, "Id").substr(0, 12), StrField(c, "Image"),
                         Size(IntField(c, "SizeRw")), StrField(c, "State"), name});
      }
      std::fputs(FormatTable(crows, 10).c_str(), stdout);
      std::printf("\nLocal Volumes space usage:\n\n");
      std::vector<std::vector<std::string>> vrows = {{"VOLUME NAME", "LINKS", "SIZE"}};
      for (const json& v : volumes) {
        json usage = v.is_object() && v.contains("UsageData") ? v["UsageData"] : json::object();
        vrows.push_back({StrField(v, "Name"), std::to_string(IntField(usage, "RefCount")),
                         Size(IntField(usage, "Size"))});
      }
      std::fputs(FormatTable(vrows, 10).c_str(), stdout);
      std::printf("\nBuild cache usage: 0B\n\n");
      return 0;
    };
  });
}

}  // namespace berth::cli
