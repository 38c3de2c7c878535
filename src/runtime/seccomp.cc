// linux.seccomp: the runtime-spec profile is read into plain rules, handed to
// libseccomp, and exported as classic BPF into the SeccompProgram. The child
// then only has to pass that array to seccomp(2). The semantics follow runc,
// so that profiles written for Docker and runc behave the same here.
#include "runtime/seccomp.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

#include "base/unique_fd.h"

namespace berth::runtime {
namespace {

using nlohmann::json;

constexpr std::string_view kPath = "linux.seccomp";

// How an action takes its 16-bit data: errnoRet for ERRNO, the tracer's
// message for TRACE (runc defaults both to EPERM), nothing for the rest.
enum class ActionData { kNone, kErrno, kTrace };

struct ActionName {
  std::string_view name;
  uint32_t action;
  ActionData data;
};

// Every action runc accepts. SCMP_ACT_KILL is the historical name of
// KILL_THREAD.
constexpr std::array<ActionName, 9> kActions = {{
    {"SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD, ActionData::kNone},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, ActionData::kNone},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, ActionData::kNone},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP, ActionData::kNone},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), ActionData::kErrno},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), ActionData::kTrace},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, ActionData::kNone},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG, ActionData::kNone},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, ActionData::kNone},
}};

struct ArchName {
  std::string_view name;
  uint32_t token;
};

// The architecture names of the runtime-spec (and runc), as libseccomp
// tokens. LoongArch needs libseccomp 2.6 and is left out.
constexpr std::array<ArchName, 19> kArches = {{
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
    {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
}};

struct FlagName {
  std::string_view name;
  unsigned int flag;
};

constexpr std::array<FlagName, 4> kFlags = {{
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
}};

struct OpName {
  std::string_view name;
  scmp_compare op;
};

constexpr std::array<OpName, 7> kOps = {{
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
}};

constexpr unsigned kMaxArgs = 6;  // a syscall has at most six arguments

template <typename Table>
auto Find(const Table& table, std::string_view name) -> const typename Table::value_type* {
  for (const auto& e : table)
    if (e.name == name) return &e;
  return nullptr;
}

// --- Reading the JSON. Every accessor is called after its type is checked;
// absent members and null are treated alike, as runc (Go) does.

// A string as a JSON literal, so that a quoted value keeps a message on one
// line.
std::string Quote(std::string_view s) {
  return json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string Field(std::string_view parent, std::string_view key) {
  return fmt::format("{}.{}", parent, key);
}

std::string Index(std::string_view parent, size_t i) { return fmt::format("{}[{}]", parent, i); }

const json* Member(const json& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

Result<std::string> ReadString(const json& j, const std::string& path) {
  if (!j.is_string()) return Fail("{}: must be a string", path);
  return j.get<std::string>();
}

Result<uint64_t> ReadUint(const json& j, const std::string& path, uint64_t max) {
  bool ok = j.is_number_unsigned() ||
            (j.is_number_integer() && j.get<int64_t>() >= 0);  // built from a C++ int
  if (!ok || j.get<uint64_t>() > max) return Fail("{}: must be an integer from 0 to {}", path, max);
  return j.get<uint64_t>();
}

// The optional array obj[key], or nullptr when absent.
Result<const json*> ReadArray(const json& obj, std::string_view key, const std::string& path) {
  const json* a = Member(obj, key);
  if (a != nullptr && !a->is_array()) return Fail("{}: must be an array", path);
  return a;
}

// Reads obj[action_key] and, for ERRNO and TRACE, obj[errno_key] into a
// libseccomp action value.
Result<uint32_t> ReadAction(const json& obj, std::string_view action_key,
                            std::string_view errno_key, std::string_view parent) {
  std::string path = Field(parent, action_key);
  const json* j = Member(obj, action_key);
  if (j == nullptr) return Fail("{}: is required", path);
  std::string name = TRY(ReadString(*j, path));
  const ActionName* a = Find(kActions, name);
  if (a == nullptr) return Fail("{}: unknown action {}", path, Quote(name));
  if (a->data == ActionData::kNone) return a->action;
  uint64_t data = EPERM;
  if (const json* e = Member(obj, errno_key))
    data = TRY(ReadUint(*e, Field(parent, errno_key), 0xffff));
  return a->data == ActionData::kErrno ? SCMP_ACT_ERRNO(data) : SCMP_ACT_TRACE(data);
}

// One entry of linux.seccomp.syscalls, read but not yet given to libseccomp.
struct Rule {
  std::string path;  // "linux.seccomp.syscalls[3]", for errors
  std::vector<std::string> names;
  uint32_t action = 0;
  std::vector<scmp_arg_cmp> args;
  bool same_index_twice = false;  // runc: then each arg is a rule of its own
};

struct Profile {
  uint32_t default_action = 0;
  std::vector<std::pair<std::string, uint32_t>> arches;  // path, token
  std::vector<std::pair<std::string, unsigned>> flags;   // path, flag
  std::vector<Rule> rules;
};

Result<scmp_arg_cmp> ReadArg(const json& j, const std::string& path) {
  if (!j.is_object()) return Fail("{}: must be an object", path);
  const json* index = Member(j, "index");
  const json* value = Member(j, "value");
  const json* op = Member(j, "op");
  if (index == nullptr) return Fail("{}.index: is required", path);
  if (value == nullptr) return Fail("{}.value: is required", path);
  if (op == nullptr) return Fail("{}.op: is required", path);
  scmp_arg_cmp c{};
  c.arg = static_cast<unsigned>(TRY(ReadUint(*index, Field(path, "index"), kMaxArgs - 1)));
  c.datum_a = TRY(ReadUint(*value, Field(path, "value"), UINT64_MAX));
  if (const json* two = Member(j, "valueTwo"))
    c.datum_b = TRY(ReadUint(*two, Field(path, "valueTwo"), UINT64_MAX));
  std::string op_name = TRY(ReadString(*op, Field(path, "op")));
  const OpName* o = Find(kOps, op_name);
  if (o == nullptr) return Fail("{}.op: unknown operator {}", path, Quote(op_name));
  // For MASKED_EQ the spec's value is the mask and valueTwo the expected
  // result, which is libseccomp's order too.
  c.op = o->op;
  return c;
}

Result<Rule> ReadRule(const json& j, const std::string& path) {
  if (!j.is_object()) return Fail("{}: must be an object", path);
  Rule r;
  r.path = path;
  const json* names = Member(j, "names");
  if (names == nullptr || !names->is_array() || names->empty())
    return Fail("{}.names: must be a non-empty array of strings", path);
  for (size_t i = 0; i < names->size(); ++i)
    r.names.push_back(TRY(ReadString((*names)[i], Index(Field(path, "names"), i))));
  r.action = TRY(ReadAction(j, "action", "errnoRet", path));
  const json* args = TRY(ReadArray(j, "args", Field(path, "args")));
  if (args != nullptr) {
    std::array<int, kMaxArgs> per_index{};
    for (size_t i = 0; i < args->size(); ++i) {
      r.args.push_back(TRY(ReadArg((*args)[i], Index(Field(path, "args"), i))));
      if (++per_index[r.args.back().arg] > 1) r.same_index_twice = true;
    }
  }
  return r;
}

Result<Profile> ReadProfile(const json& j, SeccompProgram* prog) {
  Profile p;
  std::string path(kPath);
  p.default_action = TRY(ReadAction(j, "defaultAction", "defaultErrnoRet", path));
  // runc: nothing could ever receive the notifications of a default action.
  if (p.default_action == SCMP_ACT_NOTIFY)
    return Fail("{}.defaultAction: SCMP_ACT_NOTIFY cannot be the default action", path);

  std::string arches_path = Field(path, "architectures");
  if (const json* a = TRY(ReadArray(j, "architectures", arches_path))) {
    for (size_t i = 0; i < a->size(); ++i) {
      std::string item = Index(arches_path, i);
      std::string name = TRY(ReadString((*a)[i], item));
      const ArchName* arch = Find(kArches, name);
      if (arch == nullptr) return Fail("{}: unknown architecture {}", item, Quote(name));
      p.arches.emplace_back(item, arch->token);
    }
  }

  std::string flags_path = Field(path, "flags");
  if (const json* f = TRY(ReadArray(j, "flags", flags_path))) {
    for (size_t i = 0; i < f->size(); ++i) {
      std::string item = Index(flags_path, i);
      std::string name = TRY(ReadString((*f)[i], item));
      const FlagName* flag = Find(kFlags, name);
      if (flag == nullptr) return Fail("{}: unknown flag {}", item, Quote(name));
      p.flags.emplace_back(item, flag->flag);
      prog->flags |= flag->flag;
    }
  }

  if (const json* l = Member(j, "listenerPath"))
    prog->listener_path = TRY(ReadString(*l, Field(path, "listenerPath")));
  if (const json* m = Member(j, "listenerMetadata"))
    prog->listener_metadata = TRY(ReadString(*m, Field(path, "listenerMetadata")));

  std::string syscalls_path = Field(path, "syscalls");
  if (const json* s = TRY(ReadArray(j, "syscalls", syscalls_path))) {
    for (size_t i = 0; i < s->size(); ++i) {
      Rule r = TRY(ReadRule((*s)[i], Index(syscalls_path, i)));
      if (r.action == SCMP_ACT_NOTIFY) {
        // runc: the child reports the listener fd to its parent with
        // write(2), which must not itself wait on the listener.
        for (const auto& name : r.names)
          if (name == "write")
            return Fail("{}: SCMP_ACT_NOTIFY cannot be used for the write syscall", r.path);
        prog->notify = true;
      }
      p.rules.push_back(std::move(r));
    }
  }
  if (prog->notify && prog->listener_path.empty())
    return Fail("{}: SCMP_ACT_NOTIFY needs listenerPath", path);
  return p;
}

// --- Building the filter with libseccomp.

struct CtxRelease {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Ctx = std::unique_ptr<void, CtxRelease>;

Status AddRules(scmp_filter_ctx ctx, const Rule& r, uint32_t default_action) {
  // libseccomp refuses a rule that repeats the default action; it would
  // change nothing anyway.
  if (r.action == default_action) return Ok();
  for (const auto& name : r.names) {
    // A name libseccomp does not know may belong to another architecture or
    // a newer kernel: runc skips it, and so do we.
    int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) continue;
    int rc = 0;
    if (!r.same_index_twice) {
      // All conditions in one rule: they must all hold (AND).
      rc = seccomp_rule_add_array(ctx, r.action, nr, static_cast<unsigned>(r.args.size()),
                                  r.args.data());
    } else {
      // libseccomp cannot AND two conditions on one argument, so runc adds
      // each condition as a rule of its own (OR); profiles rely on that.
      for (const auto& c : r.args) {
        rc = seccomp_rule_add_array(ctx, r.action, nr, 1, &c);
        if (rc < 0) break;
      }
    }
    if (rc < 0) return FailCode(-rc, "{}: add the rule for {}", r.path, Quote(name));
  }
  return Ok();
}

// libseccomp 2.5 exports only to an fd: a memfd holds the program until it
// is read back.
Result<std::vector<sock_filter>> Export(scmp_filter_ctx ctx) {
  UniqueFd fd(::memfd_create("berth-seccomp", MFD_CLOEXEC));
  if (!fd) return FailErrno("{}: memfd_create", kPath);
  int rc = seccomp_export_bpf(ctx, fd.get());
  if (rc < 0) return FailCode(-rc, "{}: export the BPF program", kPath);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return FailErrno("{}: stat the exported program", kPath);
  size_t size = static_cast<size_t>(st.st_size);
  if (size % sizeof(sock_filter) != 0)
    return Fail("{}: exported program has {} bytes, not a whole number of instructions", kPath,
                size);
  if (size / sizeof(sock_filter) > BPF_MAXINSNS)
    return Fail("{}: the compiled filter has {} instructions, more than the kernel's {}", kPath,
                size / sizeof(sock_filter), BPF_MAXINSNS);
  std::vector<sock_filter> filter(size / sizeof(sock_filter));
  auto* out = reinterpret_cast<char*>(filter.data());
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd.get(), out + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return FailErrno("{}: read the exported program", kPath);
    if (n == 0) return Fail("{}: exported program ended early", kPath);
    done += static_cast<size_t>(n);
  }
  return filter;
}

Result<SeccompProgram> Compile(const json& j) {
  SeccompProgram prog;
  if (j.is_null()) return prog;
  if (!j.is_object()) return Fail("{}: must be an object", kPath);
  Profile p = TRY(ReadProfile(j, &prog));

  // The native architecture is in every new context.
  Ctx ctx(seccomp_init(p.default_action));
  if (!ctx) return Fail("{}.defaultAction: not supported by libseccomp or this kernel", kPath);

  // We set no_new_privs ourselves, and pass TSYNC when loading: the
  // exported program does not depend on either.
  int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0);
  if (rc == 0) rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_TSYNC, 0);
  if (rc < 0) return FailCode(-rc, "{}: set the filter attributes", kPath);

  for (const auto& [path, token] : p.arches) {
    rc = seccomp_arch_add(ctx.get(), token);
    if (rc < 0 && rc != -EEXIST) return FailCode(-rc, "{}: add the architecture", path);
  }

  // LOG and SPEC_ALLOW are load flags; setting them on the context makes
  // libseccomp check that the kernel has them, so a profile that cannot load
  // fails here, with its field named, rather than in the child.
  for (const auto& [path, flag] : p.flags) {
    rc = 0;
    if (flag == SECCOMP_FILTER_FLAG_LOG) rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_LOG, 1);
    if (flag == SECCOMP_FILTER_FLAG_SPEC_ALLOW)
      rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_SSB, 1);
    if (rc < 0) return FailCode(-rc, "{}: not supported by this kernel", path);
  }

  for (const auto& r : p.rules) TRY(AddRules(ctx.get(), r, p.default_action));

  prog.filter = TRY(Export(ctx.get()));
  return prog;
}

}  // namespace

Result<SeccompProgram> CompileSeccomp(const json& seccomp) {
  try {
    return Compile(seccomp);
  } catch (const json::exception& e) {
    // Not expected (types are checked before every access), but nlohmann
    // must not unwind through berth.
    return Fail("{}: {}", kPath, e.what());
  }
}

int LoadSeccomp(const SeccompProgram& prog) {
  if (prog.filter.empty()) return 0;
  sock_fprog fprog{};
  fprog.len = static_cast<unsigned short>(prog.filter.size());
  fprog.filter = const_cast<sock_filter*>(prog.filter.data());
  unsigned long flags = prog.flags;
  if (prog.notify) {
    flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
    // The kernel refuses TSYNC with a listener unless a failed sync is
    // reported as ESRCH rather than as a thread id.
    if (flags & SECCOMP_FILTER_FLAG_TSYNC) flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
  } else {
    // Only meaningful for (and only accepted with) a listener.
    flags &= ~static_cast<unsigned long>(SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
  }
  long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fprog);
  if (rc < 0) return -1;
  if (prog.notify) return static_cast<int>(rc);
  if (rc > 0) {
    // TSYNC without TSYNC_ESRCH: rc is the thread that could not be synced.
    errno = ESRCH;
    return -1;
  }
  return 0;
}

}  // namespace berth::runtime
