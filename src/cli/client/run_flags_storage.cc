#include "cli/client/run_flags_storage.h"

#include <cctype>
#include <cstdlib>

namespace berth::cli {
namespace {

using nlohmann::json;

std::vector<std::string> SplitCsv(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (char c : s) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

// go-units RAMInBytes ("64m", "1g", "512").
bool ParseRamBytes(const std::string& s, int64_t* out) {
  size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) i++;
  if (i == 0) return false;
  double n = std::strtod(s.substr(0, i).c_str(), nullptr);
  std::string unit;
  for (char c : s.substr(i)) unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!unit.empty() && unit.back() == 'b') unit.pop_back();
  if (!unit.empty() && unit.back() == 'i') unit.pop_back();
  const std::string units = "kmgtp";
  double mult = 1;
  if (unit.size() == 1 && units.find(unit[0]) != std::string::npos) {
    for (size_t k = 0; k <= units.find(unit[0]); k++) mult *= 1024;
  } else if (!unit.empty()) {
    return false;
  }
  *out = static_cast<int64_t>(n * mult);
  return true;
}

bool ParseBoolValue(const std::string& v, bool* out) {
  if (v == "" || v == "true" || v == "1" || v == "True" || v == "TRUE")
    *out = true;
  else if (v == "false" || v == "0" || v == "False" || v == "FALSE")
    *out = false;
  else
    return false;
  return true;
}

}  // namespace

void AddStorageFlags(CLI::App* cmd, StorageFlags* f) {
  cmd->add_option("-v,--volume", f->volumes, "bind mount a volume")->allow_extra_args(false);
  cmd->add_option("--mount", f->mounts, "attach a filesystem mount to the container")
      ->allow_extra_args(false);
  cmd->add_option("--tmpfs", f->tmpfs, "mount a tmpfs directory")->allow_extra_args(false);
  cmd->add_option("--volumes-from", f->volumes_from,
                  "mount volumes from the specified container(s)")
      ->allow_extra_args(false);
  cmd->add_option("--volume-driver", f->volume_driver, "optional volume driver for the container");
}

Result<json> ParseMountFlag(const std::string& value) {
  auto bad = [&](const std::string& why) {
    return Fail("invalid argument \"{}\" for \"--mount\" flag: {}", value, why);
  };
  json m = {{"Type", "volume"}};
  json bind, vol, tmpfs;
  for (const std::string& field : SplitCsv(value)) {
    size_t eq = field.find('=');
    std::string key = field.substr(0, eq);
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string val = eq == std::string::npos ? "" : field.substr(eq + 1);
    if (eq == std::string::npos && key != "readonly" && key != "ro" && key != "volume-nocopy")
      return bad(fmt::format("invalid field '{}' must be a key=value pair", field));
    if (key == "type") {
      m["Type"] = val;
    } else if (key == "source" || key == "src") {
      m["Source"] = val;
    } else if (key == "target" || key == "dst" || key == "destination") {
      m["Target"] = val;
    } else if (key == "readonly" || key == "ro") {
      bool b = false;
      if (!ParseBoolValue(val, &b)) return bad(fmt::format("invalid value for {}: {}", key, val));
      m["ReadOnly"] = b;
    } else if (key == "consistency") {
      m["Consistency"] = val;
    } else if (key == "bind-propagation") {
      bind["Propagation"] = val;
    } else if (key == "bind-nonrecursive") {
      bool b = false;
      if (!ParseBoolValue(val, &b)) return bad(fmt::format("invalid value for {}: {}", key, val));
      bind["NonRecursive"] = b;
    } else if (key == "volume-nocopy") {
      bool b = false;
      if (!ParseBoolValue(val, &b)) return bad(fmt::format("invalid value for {}: {}", key, val));
      vol["NoCopy"] = b;
    } else if (key == "volume-label") {
      size_t e = val.find('=');
      vol["Labels"][val.substr(0, e)] = e == std::string::npos ? "" : val.substr(e + 1);
    } else if (key == "volume-driver") {
      vol["DriverConfig"]["Name"] = val;
    } else if (key == "volume-opt") {
      size_t e = val.find('=');
      if (!vol.contains("DriverConfig") || !vol["DriverConfig"].contains("Name"))
        vol["DriverConfig"]["Name"] = "local";
      vol["DriverConfig"]["Options"][val.substr(0, e)] =
          e == std::string::npos ? "" : val.substr(e + 1);
    } else if (key == "tmpfs-size") {
      int64_t n = 0;
      if (!ParseRamBytes(val, &n)) return bad(fmt::format("invalid value for {}: {}", key, val));
      tmpfs["SizeBytes"] = n;
    } else if (key == "tmpfs-mode") {
      if (val.empty() || val.find_first_not_of("01234567") != std::string::npos)
        return bad(fmt::format("invalid value for {}: {}", key, val));
      tmpfs["Mode"] = std::strtol(val.c_str(), nullptr, 8);
    } else {
      return bad(fmt::format("unexpected key '{}' in '{}'", key, field));
    }
  }
  std::string type = m["Type"];
  if (!m.contains("Target")) return bad("target is required");
  if (!bind.is_null()) {
    if (type != "bind")
      return bad(fmt::format("cannot mix 'bind-*' options with mount type '{}'", type));
    m["BindOptions"] = bind;
  }
  if (!vol.is_null()) {
    if (type != "volume")
      return bad(fmt::format("cannot mix 'volume-*' options with mount type '{}'", type));
    m["VolumeOptions"] = vol;
  }
  if (!tmpfs.is_null()) {
    if (type != "tmpfs")
      return bad(fmt::format("cannot mix 'tmpfs-*' options with mount type '{}'", type));
    m["TmpfsOptions"] = tmpfs;
  }
  return m;
}

Status AddStorageBody(const StorageFlags& f, json* config, json* host_config) {
  // docker's CLI: "-v /dst" alone is an anonymous volume (Config.Volumes);
  // anything with a source is a bind (HostConfig.Binds).
  json binds = json::array();
  for (const std::string& v : f.volumes) {
    if (v.find(':') == std::string::npos) {
      (*config)["Volumes"][v] = json::object();
    } else {
      binds.push_back(v);
    }
  }
  if (!binds.empty()) (*host_config)["Binds"] = binds;
  if (!f.mounts.empty()) {
    json mounts = json::array();
    for (const std::string& m : f.mounts) {
      json one = TRY(ParseMountFlag(m));
      mounts.push_back(std::move(one));
    }
    (*host_config)["Mounts"] = mounts;
  }
  if (!f.tmpfs.empty()) {
    json tmpfs = json::object();
    for (const std::string& t : f.tmpfs) {
      size_t colon = t.find(':');
      tmpfs[t.substr(0, colon)] = colon == std::string::npos ? "" : t.substr(colon + 1);
    }
    (*host_config)["Tmpfs"] = tmpfs;
  }
  if (!f.volumes_from.empty()) (*host_config)["VolumesFrom"] = f.volumes_from;
  if (!f.volume_driver.empty()) (*host_config)["VolumeDriver"] = f.volume_driver;
  return Ok();
}

}  // namespace berth::cli
