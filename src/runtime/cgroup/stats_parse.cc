// Pure parsers of the cgroup files the stats readers use.
#include <dirent.h>

#include <cerrno>
#include <charconv>
#include <cstdint>

#include "runtime/cgroup/stats.h"

namespace berth::runtime::cgroup {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> SplitAny(std::string_view s, std::string_view seps) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find_first_of(seps, i);
    if (j == std::string_view::npos) j = s.size();
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

template <typename T>
bool ToNumber(std::string_view s, T* v) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

Result<uint64_t> ParseCgroupUint(const std::string& text) {
  std::string_view s = Trim(text);
  if (s == "max") return UINT64_MAX;
  uint64_t v;
  if (ToNumber(s, &v)) return v;
  // Some memory counters can go negative through kernel accounting bugs;
  // runc reports them as 0.
  if (s.size() > 1 && s[0] == '-' &&
      s.substr(1).find_first_not_of("0123456789") == std::string_view::npos)
    return 0;
  return Fail("{:?} is not a number", std::string(s));
}

Result<std::map<std::string, uint64_t>> ParseKeyValues(const std::string& text) {
  std::map<std::string, uint64_t> out;
  for (auto line : SplitAny(text, "\n")) {
    auto f = SplitAny(line, " ");
    if (f.size() != 2) return Fail("line {:?} is not \"key value\"", std::string(line));
    out[std::string(f[0])] = TRY(ParseCgroupUint(std::string(f[1])));
  }
  return out;
}

Result<std::vector<uint16_t>> ParseCpuList(const std::string& text) {
  std::string_view s = Trim(text);
  if (s.empty()) return Fail("empty list");
  std::vector<uint16_t> out;
  for (auto part : SplitAny(s, ",")) {
    auto dash = part.find('-');
    uint16_t lo, hi;
    if (dash == std::string_view::npos) {
      if (!ToNumber(part, &lo)) return Fail("bad cpu list entry {:?}", std::string(part));
      out.push_back(lo);
      continue;
    }
    if (!ToNumber(part.substr(0, dash), &lo) || !ToNumber(part.substr(dash + 1), &hi) || lo > hi)
      return Fail("bad cpu list range {:?}", std::string(part));
    for (uint32_t i = lo; i <= hi; ++i) out.push_back(static_cast<uint16_t>(i));
  }
  return out;
}

Result<std::vector<BlkioEntry>> ParseBlkioV1(const std::string& text) {
  std::vector<BlkioEntry> out;
  for (auto line : SplitAny(text, "\n")) {
    auto f = SplitAny(line, " :");
    if (f.size() == 2 && f[0] == "Total") continue;
    if (f.size() < 3 || f.size() > 4) return Fail("malformed line {:?}", std::string(line));
    BlkioEntry e;
    if (f.size() == 4) e.op = std::string(f[2]);
    if (!ToNumber(f[0], &e.major) || !ToNumber(f[1], &e.minor) || !ToNumber(f.back(), &e.value))
      return Fail("malformed line {:?}", std::string(line));
    out.push_back(std::move(e));
  }
  return out;
}

std::string HugePageSizeName(const std::string& name) {
  std::string_view s = name;
  if (!s.starts_with("hugepages-") || !s.ends_with("kB")) return "";
  s.remove_prefix(10);
  s.remove_suffix(2);
  uint64_t kb;
  if (!ToNumber(s, &kb) || kb == 0) return "";
  // The kernel's names in hugetlb.<size>.* files (mm/hugetlb_cgroup.c),
  // which runc uses too: whole GB or MB, rounded down, else KB.
  if (kb >= (1u << 20)) return std::to_string(kb >> 20) + "GB";
  if (kb >= (1u << 10)) return std::to_string(kb >> 10) + "MB";
  return std::to_string(kb) + "KB";
}

std::vector<std::string> HugePageSizes() {
  std::vector<std::string> out;
  DIR* d = ::opendir("/sys/kernel/mm/hugepages");
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    std::string n = HugePageSizeName(e->d_name);
    if (!n.empty()) out.push_back(n);
  }
  ::closedir(d);
  return out;
}

}  // namespace berth::runtime::cgroup
