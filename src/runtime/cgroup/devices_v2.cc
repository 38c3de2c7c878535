#include "runtime/cgroup/devices_v2.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "base/unique_fd.h"

namespace berth::runtime::cgroup {

namespace {

// Registers the program uses. R1 holds the context on entry
// (struct bpf_cgroup_dev_ctx: access_type = access << 16 | type, major,
// minor); no helper is called, so every register stays ours.
constexpr uint8_t kCtx = BPF_REG_1, kType = BPF_REG_2, kAccess = BPF_REG_3, kMajor = BPF_REG_4,
                  kMinor = BPF_REG_5, kTmp = BPF_REG_6;

bpf_insn Insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}

// A small assembler with forward jumps to labels placed later.
class Program {
 public:
  void Emit(bpf_insn i) { code_.push_back(i); }
  // A conditional (or, with op BPF_JA, unconditional) jump to `label`.
  void JumpImm(uint8_t op, uint8_t reg, int32_t imm, int label) {
    fixups_.push_back({code_.size(), label});
    Emit(Insn(BPF_JMP | op | BPF_K, reg, 0, 0, imm));
  }
  int NewLabel() {
    labels_.push_back(-1);
    return static_cast<int>(labels_.size()) - 1;
  }
  void Place(int label) { labels_[label] = static_cast<long>(code_.size()); }
  void Return(int32_t verdict) {
    Emit(Insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, verdict));
    Emit(Insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  }
  Result<std::vector<bpf_insn>> Finish() {
    for (auto [at, label] : fixups_) {
      long off = labels_[label] - static_cast<long>(at) - 1;
      if (labels_[label] < 0 || off < 0 || off > INT16_MAX)
        return Fail("linux.resources.devices: too many device rules for one eBPF program");
      code_[at].off = static_cast<int16_t>(off);
    }
    return std::move(code_);
  }

 private:
  std::vector<bpf_insn> code_;
  std::vector<long> labels_;
  std::vector<std::pair<size_t, int>> fixups_;
};

Result<int32_t> AccessBits(const spec::DeviceRule& r) {
  int32_t bits = 0;
  std::string access = r.access.empty() ? "rwm" : r.access;
  for (char c : access) {
    if (c == 'r')
      bits |= BPF_DEVCG_ACC_READ;
    else if (c == 'w')
      bits |= BPF_DEVCG_ACC_WRITE;
    else if (c == 'm')
      bits |= BPF_DEVCG_ACC_MKNOD;
    else
      return Fail("linux.resources.devices: invalid access {:?}", access);
  }
  return bits;
}

}  // namespace

Result<std::vector<bpf_insn>> CompileDeviceProgram(const std::vector<spec::DeviceRule>& rules) {
  Program p;
  // Unpack the context: type and access share one 32-bit word.
  p.Emit(Insn(BPF_LDX | BPF_MEM | BPF_W, kType, kCtx, 0, 0));
  p.Emit(Insn(BPF_ALU64 | BPF_MOV | BPF_X, kAccess, kType, 0, 0));
  p.Emit(Insn(BPF_ALU64 | BPF_AND | BPF_K, kType, 0, 0, 0xffff));
  p.Emit(Insn(BPF_ALU64 | BPF_RSH | BPF_K, kAccess, 0, 0, 16));
  p.Emit(Insn(BPF_LDX | BPF_MEM | BPF_W, kMajor, kCtx, 4, 0));
  p.Emit(Insn(BPF_LDX | BPF_MEM | BPF_W, kMinor, kCtx, 8, 0));

  std::vector<int32_t> bits_of;
  for (const auto& r : rules) {
    if (!r.type.empty() && r.type != "a" && r.type != "c" && r.type != "b")
      return Fail("linux.resources.devices: invalid type {:?}", r.type);
    bits_of.push_back(TRY(AccessBits(r)));
  }
  // One pass per access bit the request asks for; within a pass the rules
  // are tried last to first, so the last matching one decides.
  for (int32_t bit : {BPF_DEVCG_ACC_MKNOD, BPF_DEVCG_ACC_READ, BPF_DEVCG_ACC_WRITE}) {
    int next_bit = p.NewLabel();
    p.Emit(Insn(BPF_ALU64 | BPF_MOV | BPF_X, kTmp, kAccess, 0, 0));
    p.Emit(Insn(BPF_ALU64 | BPF_AND | BPF_K, kTmp, 0, 0, bit));
    p.JumpImm(BPF_JEQ, kTmp, 0, next_bit);
    // The verifier refuses unreachable instructions, so the rules before
    // one that matches every device (type "a") are not emitted at all: it
    // shadows them.
    bool decided = false;
    for (size_t i = rules.size(); i-- > 0 && !decided;) {
      const auto& r = rules[i];
      if (!(bits_of[i] & bit)) continue;
      int next_rule = p.NewLabel();
      decided = r.type.empty() || r.type == "a";
      if (!decided) {
        p.JumpImm(BPF_JNE, kType, r.type == "c" ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK,
                  next_rule);
        if (r.major && *r.major >= 0)
          p.JumpImm(BPF_JNE, kMajor, static_cast<int32_t>(*r.major), next_rule);
        if (r.minor && *r.minor >= 0)
          p.JumpImm(BPF_JNE, kMinor, static_cast<int32_t>(*r.minor), next_rule);
      }
      if (r.allow)
        p.JumpImm(BPF_JA, 0, 0, next_bit);
      else
        p.Return(0);
      p.Place(next_rule);
    }
    // No rule names this device for this bit: denied.
    if (!decided) p.Return(0);
    p.Place(next_bit);
  }
  p.Return(1);
  return p.Finish();
}

Status ApplyDeviceRulesV2(const std::string& dir, const std::vector<spec::DeviceRule>& rules) {
  auto prog = TRY(CompileDeviceProgram(rules));
  bpf_attr load{};
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insns = reinterpret_cast<uintptr_t>(prog.data());
  load.insn_cnt = static_cast<uint32_t>(prog.size());
  load.license = reinterpret_cast<uintptr_t>("Apache-2.0");
  UniqueFd prog_fd(static_cast<int>(::syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof load)));
  if (!prog_fd) {
    // Load again with the verifier's log to say why (logging costs time,
    // and a log buffer too small for it fails the load with ENOSPC).
    int e = errno;
    std::string log(1 << 20, '\0');
    load.log_buf = reinterpret_cast<uintptr_t>(log.data());
    load.log_size = static_cast<uint32_t>(log.size());
    load.log_level = 1;
    ::syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof load);
    log.resize(strlen(log.c_str()));
    while (!log.empty() && log.back() == '\n') log.pop_back();
    auto nl = log.rfind('\n', log.rfind('\n') - 1);
    std::string why = log.substr(nl == std::string::npos ? 0 : nl + 1);
    std::replace(why.begin(), why.end(), '\n', ' ');
    return FailCode(e, "linux.resources.devices: load the eBPF device program{}",
                    why.empty() ? "" : " (verifier: " + why + ")");
  }
  UniqueFd cg(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cg) return FailErrno("linux.resources.devices: open {}", dir);
  bpf_attr attach{};
  attach.target_fd = static_cast<uint32_t>(cg.get());
  attach.attach_bpf_fd = static_cast<uint32_t>(prog_fd.get());
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = BPF_F_ALLOW_MULTI;
  if (::syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof attach) != 0)
    return FailErrno("linux.resources.devices: attach the eBPF device program to {}", dir);
  return Ok();
}

}  // namespace berth::runtime::cgroup
