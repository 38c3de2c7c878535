// Stats readers for cgroup v2: every controller's files in the one
// directory, mapped onto runc's (v1-shaped) fields as runc maps them.
#include <cerrno>
#include <charconv>

#include "runtime/cgroup/stats.h"

namespace berth::runtime::cgroup {
namespace {

bool IsNotFound(const Error& e) { return e.code() == ENOENT || e.code() == ENODEV; }

// Reads a file; absent is *present = false, not an error.
Result<std::string> ReadMaybe(const FileReader& r, const std::string& name, bool* present) {
  auto text = r(name);
  *present = true;
  if (!text && IsNotFound(text.error())) {
    *present = false;
    return std::string();
  }
  return text;
}

uint64_t SaturatingAdd(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

}  // namespace

Status ReadCpuV2(const FileReader& r, Stats* s) {
  bool present;
  auto text = TRY(ReadMaybe(r, "cpu.stat", &present));
  if (!present) return Ok();
  auto kv = TRY_CTX(ParseKeyValues(text), "cpu.stat");
  s->cpu_usage.total = kv["usage_usec"] * 1000;
  s->cpu_usage.user = kv["user_usec"] * 1000;
  s->cpu_usage.kernel = kv["system_usec"] * 1000;
  s->throttling.periods = kv["nr_periods"];
  s->throttling.throttled_periods = kv["nr_throttled"];
  s->throttling.throttled_time = kv["throttled_usec"] * 1000;
  return Ok();
}

Status ReadMemoryV2(const FileReader& r, Stats* s) {
  bool present;
  auto text = TRY(ReadMaybe(r, "memory.stat", &present));
  if (!present) return Ok();  // the memory controller is not enabled here
  auto& m = s->memory;
  m.raw = TRY_CTX(ParseKeyValues(text), "memory.stat");
  m.cache = m.raw["file"];
  m.usage.usage = TRY_CTX(ParseCgroupUint(TRY(r("memory.current"))), "memory.current");
  m.usage.limit = TRY_CTX(ParseCgroupUint(TRY(r("memory.max"))), "memory.max");
  // memory.peak (since 5.19) is v1's max_usage_in_bytes; memory.events'
  // "max" counts the times usage hit the limit, v1's failcnt.
  auto peak = TRY(ReadMaybe(r, "memory.peak", &present));
  if (present) m.usage.max = TRY_CTX(ParseCgroupUint(peak), "memory.peak");
  auto events = TRY(ReadMaybe(r, "memory.events", &present));
  if (present) m.usage.failcnt = TRY_CTX(ParseKeyValues(events), "memory.events")["max"];
  // v1 counts swap as memory+swap; v2's swap files count swap alone. Report
  // the sum, as runc does, so the field means the same on both.
  auto swap = TRY(ReadMaybe(r, "memory.swap.current", &present));
  if (present) {
    m.swap.usage =
        SaturatingAdd(TRY_CTX(ParseCgroupUint(swap), "memory.swap.current"), m.usage.usage);
    uint64_t limit = TRY_CTX(ParseCgroupUint(TRY(r("memory.swap.max"))), "memory.swap.max");
    m.swap.limit = limit == UINT64_MAX ? limit : SaturatingAdd(limit, m.usage.limit);
  }
  return Ok();
}

Status ReadIoV2(const FileReader& r, Stats* s) {
  bool present;
  auto text = TRY(ReadMaybe(r, "io.stat", &present));
  if (!present) return Ok();
  // "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N" per device;
  // bytes and ios map onto v1's io_service_bytes and io_serviced.
  BlkioStats b;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    size_t sp = line.find(' ');
    if (sp == std::string_view::npos) continue;
    std::string_view dev = line.substr(0, sp);
    size_t colon = dev.find(':');
    if (colon == std::string_view::npos) continue;
    BlkioEntry base;
    auto ok = [](std::string_view v, uint64_t* out) {
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), *out);
      return ec == std::errc() && p == v.data() + v.size();
    };
    if (!ok(dev.substr(0, colon), &base.major) || !ok(dev.substr(colon + 1), &base.minor))
      return Fail("io.stat: bad device {:?}", std::string(dev));
    std::string_view rest = line.substr(sp + 1);
    while (!rest.empty()) {
      size_t next = rest.find(' ');
      std::string_view item = rest.substr(0, next);
      rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
      size_t eq = item.find('=');
      if (eq == std::string_view::npos) continue;
      std::string_view key = item.substr(0, eq);
      std::vector<BlkioEntry>* table = nullptr;
      BlkioEntry e = base;
      if (key == "rbytes" || key == "wbytes") table = &b.io_service_bytes_recursive;
      if (key == "rios" || key == "wios") table = &b.io_serviced_recursive;
      if (!table) continue;
      e.op = key[0] == 'r' ? "Read" : "Write";
      if (!ok(item.substr(eq + 1), &e.value))
        return Fail("io.stat: bad value {:?}", std::string(item));
      table->push_back(std::move(e));
    }
  }
  s->blkio = std::move(b);
  return Ok();
}

Status ReadHugetlbV2(const FileReader& r, const std::vector<std::string>& sizes, Stats* s) {
  for (const auto& size : sizes) {
    std::string base = "hugetlb." + size;
    bool present;
    auto current = TRY(ReadMaybe(r, base + ".current", &present));
    if (!present) return Ok();  // hugetlb is not enabled in this cgroup
    HugetlbStats h;
    h.usage = TRY_CTX(ParseCgroupUint(current), "{}.current", base);
    auto events = TRY(ReadMaybe(r, base + ".events", &present));
    if (present) h.failcnt = TRY_CTX(ParseKeyValues(events), "{}.events", base)["max"];
    s->hugetlb[size] = h;
  }
  return Ok();
}

}  // namespace berth::runtime::cgroup
