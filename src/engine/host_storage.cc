#include "engine/host_storage.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/core.h>

#include "base/fs.h"
#include "image/digest.h"
#include "spec/json_reader.h"

namespace berth::engine {
namespace {

using nlohmann::json;

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at - start));
    if (at == std::string::npos) break;
    start = at + 1;
  }
  return out;
}

bool IsPropagation(const std::string& o) {
  static const std::set<std::string> kModes = {"private", "rprivate", "shared",
                                               "rshared", "slave",    "rslave"};
  return kModes.count(o) > 0;
}

Status CheckTarget(const std::string& type, const std::string& target) {
  if (target.empty())
    return FailAs(EINVAL, "invalid mount config for type \"{}\": field Target must not be empty",
                  type);
  if (target[0] != '/')
    return FailAs(EINVAL,
                  "invalid mount config for type \"{}\": invalid mount path: '{}' mount path must "
                  "be absolute",
                  type, target);
  if (CleanPath(target) == "/")
    return FailAs(EINVAL,
                  "invalid mount config for type \"{}\": invalid specification: "
                  "destination can't be '/'",
                  type);
  return Ok();
}

// go-units' RAMInBytes: "64m", "1g", "512k", "100" (bytes), "1.5g".
Result<int64_t> ParseBytes(const std::string& s) {
  if (s.empty()) return FailAs(EINVAL, "invalid size: ''");
  size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) i++;
  if (i == 0) return FailAs(EINVAL, "invalid size: '{}'", s);
  double n = std::strtod(s.substr(0, i).c_str(), nullptr);
  std::string unit = s.substr(i);
  std::transform(unit.begin(), unit.end(), unit.begin(), ::tolower);
  if (!unit.empty() && unit.back() == 'b') unit.pop_back();
  if (!unit.empty() && unit.back() == 'i') unit.pop_back();
  double mult = 1;
  if (unit == "k")
    mult = 1024.0;
  else if (unit == "m")
    mult = 1024.0 * 1024;
  else if (unit == "g")
    mult = 1024.0 * 1024 * 1024;
  else if (unit == "t")
    mult = 1024.0 * 1024 * 1024 * 1024;
  else if (!unit.empty())
    return FailAs(EINVAL, "invalid size: '{}'", s);
  return static_cast<int64_t>(n * mult);
}

Result<uint32_t> ParseMode(const std::string& s) {
  if (s.empty() || s.find_first_not_of("01234567") != std::string::npos)
    return FailAs(EINVAL, "invalid tmpfs mode: '{}'", s);
  unsigned long v = std::strtoul(s.c_str(), nullptr, 8);
  if (v > 07777) return FailAs(EINVAL, "invalid tmpfs mode: '{}'", s);
  return static_cast<uint32_t>(v);
}

// A bind source as docker checks it before creating anything: --mount's
// must exist; -v's may be missing (it is made at start), but not a
// symlink to nowhere, which docker's mkdir -p fails on.
Status CheckBindSource(const MountPoint& m) {
  struct stat st;
  if (::lstat(m.source.c_str(), &st) != 0) {
    if (m.create_source) return Ok();
    return FailAs(EINVAL,
                  "invalid mount config for type \"bind\": bind source path does not exist: {}",
                  m.source);
  }
  if (S_ISLNK(st.st_mode) && ::stat(m.source.c_str(), &st) != 0) {
    if (m.create_source)
      return FailAs(EINVAL, "error while creating mount source path '{}': mkdir {}: file exists",
                    m.source, m.source);
    return FailAs(EINVAL,
                  "invalid mount config for type \"bind\": bind source path does not exist: {}",
                  m.source);
  }
  return Ok();
}

// One entry of HostConfig.Mounts.
Result<MountPoint> ParseMountObject(const json& j, size_t index) {
  std::string parent = fmt::format("HostConfig.Mounts[{}]", index);
  if (!j.is_object()) return FailAs(EINVAL, "{}: must be an object", parent);
  MountPoint m;
  std::string target;
  TRY(spec::ReadField(j, "Type", parent, &m.type));
  TRY(spec::ReadField(j, "Source", parent, &m.source));
  TRY(spec::ReadField(j, "Target", parent, &target));
  TRY(spec::ReadField(j, "ReadOnly", parent, &m.read_only));
  if (m.type != "bind" && m.type != "volume" && m.type != "tmpfs")
    return FailAs(EINVAL, "mount type unknown: {:?}", m.type.empty() ? std::string("") : m.type);
  TRY(CheckTarget(m.type, target));
  m.destination = CleanPath(target);
  const json* bind = spec::Member(j, "BindOptions");
  const json* vol = spec::Member(j, "VolumeOptions");
  const json* tmpfs = spec::Member(j, "TmpfsOptions");
  auto misplaced = [&](const char* field) {
    return FailAs(EINVAL, "invalid mount config for type \"{}\": {} must not be specified", m.type,
                  field);
  };
  if (m.type != "bind" && bind) return misplaced("BindOptions");
  if (m.type != "volume" && vol) return misplaced("VolumeOptions");
  if (m.type != "tmpfs" && tmpfs) return misplaced("TmpfsOptions");
  if (m.type == "bind") {
    if (m.source.empty())
      return FailAs(EINVAL,
                    "invalid mount config for type \"bind\": field Source must not be empty");
    if (m.source[0] != '/')
      return FailAs(EINVAL,
                    "invalid mount config for type \"bind\": invalid mount path: '{}' mount path "
                    "must be absolute",
                    m.source);
    m.source = CleanPath(m.source);
    m.propagation = "rprivate";
    if (bind) {
      TRY(spec::ReadField(*bind, "Propagation", parent + ".BindOptions", &m.propagation));
      if (m.propagation.empty()) m.propagation = "rprivate";
      if (!IsPropagation(m.propagation))
        return FailAs(EINVAL, "invalid mount config for type \"bind\": invalid propagation {:?}",
                      m.propagation);
    }
  } else if (m.type == "volume") {
    if (m.source.empty()) {
      m.anonymous = true;
    } else {
      TRY(CheckVolumeName(m.source));
      m.mode = "z";  // as docker shows a named volume's mode
    }
    if (vol) {
      std::string p = parent + ".VolumeOptions";
      TRY(spec::ReadField(*vol, "NoCopy", p, &m.no_copy));
      TRY(spec::ReadField(*vol, "Labels", p, &m.volume_labels));
      if (const json* dc = spec::Member(*vol, "DriverConfig")) {
        TRY(spec::ReadField(*dc, "Name", p + ".DriverConfig", &m.volume_driver));
        TRY(spec::ReadField(*dc, "Options", p + ".DriverConfig", &m.driver_options));
      }
    }
  } else {
    if (!m.source.empty())
      return FailAs(EINVAL,
                    "invalid mount config for type \"tmpfs\": Source must not be specified");
    if (tmpfs) {
      std::string p = parent + ".TmpfsOptions";
      TRY(spec::ReadField(*tmpfs, "SizeBytes", p, &m.tmpfs_size));
      int64_t mode = 0;
      TRY(spec::ReadField(*tmpfs, "Mode", p, &mode));
      if (m.tmpfs_size < 0)
        return FailAs(EINVAL, "invalid mount config for type \"tmpfs\": invalid tmpfs size");
      if (mode < 0 || mode > 07777)
        return FailAs(EINVAL, "invalid mount config for type \"tmpfs\": invalid tmpfs mode");
      m.tmpfs_mode = static_cast<uint32_t>(mode);
    }
  }
  return m;
}

}  // namespace

Status CheckVolumeName(const std::string& name) {
  bool ok = name.size() >= 2 && std::isalnum(static_cast<unsigned char>(name[0]));
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-')
      ok = false;
  if (ok) return Ok();
  return FailAs(EINVAL,
                "create {}: \"{}\" includes invalid characters for a local volume name, only "
                "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host "
                "directory, use absolute path",
                name, name);
}

Result<MountPoint> ParseBind(const std::string& bind) {
  auto invalid = [&](const std::string& why) {
    return FailAs(EINVAL, "invalid volume specification: '{}'{}{}", bind, why.empty() ? "" : ": ",
                  why);
  };
  std::vector<std::string> parts = Split(bind, ':');
  if (parts.size() > 3 || bind.empty()) return invalid("");
  MountPoint m;
  std::string source, target, opts;
  if (parts.size() == 1) {
    target = parts[0];
  } else if (parts.size() == 2) {
    // "SRC:DST", or "DST:OPTS" for an anonymous volume with options.
    if (!parts[1].empty() && parts[1][0] != '/' && parts[0].starts_with("/") &&
        parts[1].find('/') == std::string::npos && parts[1].find_first_of("rwoz") == 0 &&
        (parts[1] == "ro" || parts[1] == "rw")) {
      target = parts[0];
      opts = parts[1];
    } else {
      source = parts[0];
      target = parts[1];
    }
  } else {
    source = parts[0];
    target = parts[1];
    opts = parts[2];
  }
  if (parts.size() > 1 && source.empty() && opts.empty()) return invalid("");
  m.type = source.empty() ? "volume" : (source[0] == '/' ? "bind" : "volume");
  if (auto s = CheckTarget(m.type, target); !s) return invalid(s.error().message());
  m.destination = CleanPath(target);
  m.mode = opts;
  bool propagation_set = false;
  for (const std::string& o : Split(opts, ',')) {
    if (opts.empty()) break;
    if (o == "ro") {
      m.read_only = true;
    } else if (o == "rw" || o == "z" || o == "Z" || o == "consistent" || o == "cached" ||
               o == "delegated") {
      // z/Z relabel for SELinux, which this host does not enforce.
    } else if (o == "nocopy" && m.type == "volume") {
      m.no_copy = true;
    } else if (IsPropagation(o) && m.type == "bind" && !propagation_set) {
      m.propagation = o;
      propagation_set = true;
    } else {
      return FailAs(EINVAL, "invalid mode: {}", opts);
    }
  }
  if (m.type == "bind") {
    m.source = CleanPath(source);
    if (!propagation_set) m.propagation = "rprivate";
    m.create_source = true;
  } else if (source.empty()) {
    m.anonymous = true;
  } else {
    TRY(CheckVolumeName(source));
    m.source = source;
    // docker shows a named volume's -v mode as "z" when none was given.
    if (m.mode.empty()) m.mode = "z";
  }
  return m;
}

Result<MountPoint> ParseTmpfs(const std::string& destination, const std::string& options) {
  MountPoint m;
  m.type = "tmpfs";
  TRY(CheckTarget("tmpfs", destination));
  m.destination = CleanPath(destination);
  m.tmpfs_options = options;
  m.from_tmpfs_map = true;
  for (const std::string& o : Split(options, ',')) {
    if (o.empty()) continue;
    if (o.starts_with("size=")) {
      auto n = ParseBytes(o.substr(5));
      if (!n) return FailAs(EINVAL, "invalid tmpfs option {:?}: {}", o, n.error().message());
      m.tmpfs_size = *n;
    } else if (o.starts_with("mode=")) {
      auto mode = ParseMode(o.substr(5));
      if (!mode) return FailAs(EINVAL, "invalid tmpfs option {:?}: {}", o, mode.error().message());
      m.tmpfs_mode = *mode;
    } else if (o == "ro") {
      m.read_only = true;
    }
  }
  return m;
}

Result<VolumesFrom> ParseVolumesFrom(const std::string& spec) {
  VolumesFrom v;
  std::vector<std::string> parts = Split(spec, ':');
  if (parts.size() > 2 || parts[0].empty())
    return FailAs(EINVAL, "invalid volumes-from specification: {}", spec);
  v.container = parts[0];
  if (parts.size() == 2) {
    for (const std::string& o : Split(parts[1], ',')) {
      if (o == "ro")
        v.read_only = true;
      else if (o == "rw")
        v.read_only = false;
      else if (o != "z" && o != "Z")
        return FailAs(EINVAL, "invalid mode for volumes-from: {}", parts[1]);
    }
  }
  return v;
}

Result<StorageOptions> ParseStorage(const json& j) {
  StorageOptions s = TRY(ParseStoredStorage(j));
  for (const MountPoint& m : s.points)
    if (m.type == "bind") TRY(CheckBindSource(m));
  return s;
}

Result<StorageOptions> ParseStoredStorage(const json& j) {
  StorageOptions s;
  const char* p = "HostConfig";
  TRY(spec::ReadField(j, "Binds", p, &s.binds));
  TRY(spec::ReadField(j, "Tmpfs", p, &s.tmpfs));
  TRY(spec::ReadField(j, "VolumesFrom", p, &s.volumes_from));
  TRY(spec::ReadField(j, "VolumeDriver", p, &s.volume_driver));
  if (!s.volume_driver.empty() && s.volume_driver != "local")
    return FailAs(EINVAL, "error looking up volume plugin {}: plugin {:?} not found",
                  s.volume_driver, s.volume_driver);
  for (const std::string& b : s.binds) s.points.push_back(TRY(ParseBind(b)));
  if (const json* mounts = spec::Member(j, "Mounts")) {
    if (!mounts->is_array()) return FailAs(EINVAL, "HostConfig.Mounts: must be an array");
    s.mounts = *mounts;
    for (size_t i = 0; i < mounts->size(); i++) {
      MountPoint m = TRY(ParseMountObject((*mounts)[i], i));
      if (m.type == "volume" && !m.volume_driver.empty() && m.volume_driver != "local")
        return FailAs(EINVAL, "error looking up volume plugin {}: plugin {:?} not found",
                      m.volume_driver, m.volume_driver);
      s.points.push_back(std::move(m));
    }
  }
  for (const auto& [dest, opts] : s.tmpfs) s.points.push_back(TRY(ParseTmpfs(dest, opts)));
  for (const std::string& v : s.volumes_from) TRY(ParseVolumesFrom(v));
  // One mount per destination, as docker requires.
  std::set<std::string> seen;
  for (const MountPoint& m : s.points)
    if (!seen.insert(m.destination).second)
      return FailAs(EINVAL, "Duplicate mount point: {}", m.destination);
  return s;
}

void StorageToJson(const StorageOptions& s, json* j) {
  (*j)["Binds"] = s.binds.empty() ? json(nullptr) : json(s.binds);
  if (!s.mounts.is_null()) (*j)["Mounts"] = s.mounts;
  if (!s.tmpfs.empty()) (*j)["Tmpfs"] = s.tmpfs;
  (*j)["VolumesFrom"] = s.volumes_from.empty() ? json(nullptr) : json(s.volumes_from);
  (*j)["VolumeDriver"] = s.volume_driver;
}

std::string AnonymousVolumeName(const std::string& container_id, const std::string& destination) {
  return image::Sha256Of("berth anonymous volume\n" + container_id + "\n" + destination).hex;
}

std::vector<MountPoint> OwnMountPoints(const std::string& container_id,
                                       const StorageOptions& storage,
                                       const std::vector<std::string>& config_volumes,
                                       const json& image_config) {
  std::vector<MountPoint> out = storage.points;
  for (MountPoint& m : out)
    if (m.type == "volume" && m.anonymous)
      m.source = AnonymousVolumeName(container_id, m.destination);
  std::vector<std::string> paths = config_volumes;
  if (const json* iv = spec::Member(image_config, "Volumes"); iv && iv->is_object())
    for (const auto& [path, unused] : iv->items()) paths.push_back(path);
  std::set<std::string> covered;
  for (const MountPoint& m : out) covered.insert(m.destination);
  for (const std::string& path : paths) {
    if (path.empty() || path[0] != '/') continue;
    std::string dest = CleanPath(path);
    if (!covered.insert(dest).second) continue;
    MountPoint m;
    m.type = "volume";
    m.destination = dest;
    m.anonymous = true;
    m.source = AnonymousVolumeName(container_id, dest);
    out.push_back(std::move(m));
  }
  return out;
}

json MountPointJson(const MountPoint& m, const std::string& volumes_dir) {
  json j = {{"Type", m.type}};
  if (m.type == "volume") {
    j["Name"] = m.source;
    j["Source"] = volumes_dir + "/" + m.source + "/_data";
    j["Driver"] = m.volume_driver.empty() ? "local" : m.volume_driver;
  } else {
    j["Source"] = m.type == "bind" ? m.source : "";
  }
  j["Destination"] = m.destination;
  j["Mode"] = m.mode;
  j["RW"] = !m.read_only;
  j["Propagation"] = m.propagation;
  return j;
}

}  // namespace berth::engine
