// The processes of a container: the members of its cgroup, sub-cgroups
// included (a container may make its own below its root).
#include <dirent.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>

#include "base/fs.h"
#include "runtime/runtime.h"

namespace berth::runtime {
namespace {

Status CollectPids(const std::string& dir, int depth, std::vector<int>* out) {
  auto text = ReadFile(dir + "/cgroup.procs");
  if (!text) {
    if (text.error().code() == ENOENT) return Ok();  // removed meanwhile
    return std::unexpected(text.error());
  }
  size_t pos = 0;
  while (pos < text->size()) {
    size_t end = text->find('\n', pos);
    if (end == std::string::npos) end = text->size();
    if (end > pos) out->push_back(std::atoi(text->c_str() + pos));
    pos = end + 1;
  }
  if (depth > 64) return Ok();
  DIR* d = ::opendir(dir.c_str());
  if (!d) return Ok();
  std::vector<std::string> subs;
  while (dirent* e = ::readdir(d))
    if (e->d_type == DT_DIR && e->d_name[0] != '.') subs.push_back(dir + "/" + e->d_name);
  ::closedir(d);
  for (const auto& s : subs) TRY(CollectPids(s, depth + 1, out));
  return Ok();
}

}  // namespace

Result<std::vector<int>> Processes(const RuntimeOptions& ro, const std::string& id) {
  auto rec = TRY(LoadRecord(ro.root, id));
  if (!rec.has_cgroup || rec.cgroup.procs_dir.empty())
    return Fail("container {} has no cgroup of its own: its processes are not known", id);
  std::vector<int> pids;
  TRY_CTX(CollectPids(rec.cgroup.procs_dir, 0, &pids), "container {}", id);
  std::sort(pids.begin(), pids.end());
  pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
  return pids;
}

Result<std::string> FilterPsOutput(const std::string& out, std::vector<int> pids) {
  std::sort(pids.begin(), pids.end());
  auto fields = [](std::string_view line) {
    std::vector<std::string_view> f;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
      size_t j = i;
      while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j]))) ++j;
      if (j > i) f.push_back(line.substr(i, j - i));
      i = j;
    }
    return f;
  };
  std::vector<std::string_view> lines;
  for (size_t pos = 0; pos < out.size();) {
    size_t end = out.find('\n', pos);
    if (end == std::string::npos) end = out.size();
    lines.push_back(std::string_view(out).substr(pos, end - pos));
    pos = end + 1;
  }
  if (lines.empty()) return Fail("ps printed nothing");
  auto header = fields(lines[0]);
  auto col = std::find(header.begin(), header.end(), "PID");
  if (col == header.end()) return Fail("no PID column in the ps output");
  size_t index = static_cast<size_t>(col - header.begin());
  std::string result = std::string(lines[0]) + "\n";
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    auto f = fields(lines[i]);
    int pid = 0;
    if (index >= f.size() ||
        std::from_chars(f[index].data(), f[index].data() + f[index].size(), pid).ec != std::errc())
      return Fail("unable to parse the pid in ps line {:?}", std::string(lines[i]));
    if (std::binary_search(pids.begin(), pids.end(), pid)) result += std::string(lines[i]) + "\n";
  }
  return result;
}

}  // namespace berth::runtime
