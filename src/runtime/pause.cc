// pause and resume: the container's processes frozen in place and thawed,
// through the cgroup freezer (runtime/cgroup/freezer.h). Whether a
// container is paused is read back from the kernel (CurrentStatus), never
// recorded, so it cannot go stale.
#include <cerrno>

#include "runtime/cgroup/freezer.h"
#include "runtime/runtime.h"

namespace berth::runtime {
namespace {

Result<ContainerRecord> LoadAndLock(const RuntimeOptions& ro, const std::string& id,
                                    UniqueFd* lock) {
  auto rec = TRY(LoadRecord(ro.root, id));
  *lock = TRY(LockContainer(rec.dir));
  return LoadRecord(ro.root, id);  // re-read under the lock
}

Status RequireCgroup(const ContainerRecord& rec, const char* verb) {
  if (!rec.has_cgroup || rec.cgroup.freezer_dir.empty())
    return Fail("container {} cannot be {}: it has no cgroup freezer of its own", rec.id, verb);
  return Ok();
}

}  // namespace

Status Pause(const RuntimeOptions& ro, const std::string& id) {
  UniqueFd lock;
  auto rec = TRY(LoadAndLock(ro, id, &lock));
  // As runc: a created container may be paused too (its init waits in
  // the runtime's code; frozen, it stays there even if started).
  auto status = CurrentStatus(rec);
  if (status != spec::Status::kRunning && status != spec::Status::kCreated)
    return FailAs(ESRCH, "container {} is not running (it is {})", id, spec::StatusName(status));
  TRY(RequireCgroup(rec, "paused"));
  TRY_CTX(cgroup::Freeze(rec.cgroup), "container {}: pause", id);
  return Ok();
}

Status Resume(const RuntimeOptions& ro, const std::string& id) {
  UniqueFd lock;
  auto rec = TRY(LoadAndLock(ro, id, &lock));
  auto status = CurrentStatus(rec);
  if (status != spec::Status::kPaused)
    return FailAs(ESRCH, "container {} is not paused (it is {})", id, spec::StatusName(status));
  TRY(RequireCgroup(rec, "resumed"));
  TRY_CTX(cgroup::Thaw(rec.cgroup), "container {}: resume", id);
  return Ok();
}

}  // namespace berth::runtime
