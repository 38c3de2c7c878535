// OCI hooks: an executable run at a lifecycle stage with the container's
// state JSON on its stdin. The runtime runs prestart, createRuntime,
// poststart and poststop in its own namespaces; the container's init runs
// createContainer and startContainer in the container's.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"
#include "runtime/init_plan.h"

namespace berth::runtime {

// Builds the exec-ready form of hooks (argv/envp arrays). The result's
// pointers point into its own strings: keep it in place after building
// (it is not safe to copy or move a HookPlan once BindHookArrays ran).
std::vector<HookPlan> PlanHooks(const std::vector<spec::Hook>& hooks);
void BindHookArrays(HookPlan& plan);

// Runs one hook to completion. No allocation: safe between clone and exec.
// Returns 0, or -1 with a message in `err`.
int RunHookRaw(const HookPlan& hook, const char* state, size_t state_len, char* err,
               size_t err_len);

// Runs each hook in order, stopping at the first failure, which names the
// stage and the hook's path.
Status RunHooks(const char* stage, const std::vector<HookPlan>& hooks, const std::string& state);

// For poststart and poststop, whose failures the spec makes warnings: runs
// every hook, logs each failure as a warning naming the container.
void RunHooksWarnOnly(const char* stage, const std::vector<HookPlan>& hooks,
                      const std::string& state, const std::string& id);

}  // namespace berth::runtime
