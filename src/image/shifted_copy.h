// A copy of a directory tree with every owner moved through an id mapping:
// the chown fallback of userns-remap, for kernels that cannot idmap a
// layer. The source is never modified. Kept: directories, regular files
// (with copy_file_range), symlinks, device nodes (overlay whiteouts are
// 0/0 character devices), fifos, modes, times and extended attributes
// (overlay's opaque marks). Hard links become separate files.
// Thread safety: none shared; distinct trees may be copied concurrently.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/error.h"
#include "spec/runtime_spec.h"

namespace berth::image {

// The host id that id `id` maps to through `maps` (container_id ->
// host_id); an id outside every range stays as it is.
uint32_t ShiftId(const std::vector<spec::IdMapping>& maps, uint32_t id);

// The reverse: the container id that host id `id` is (what a commit of a
// remapped container's upper dir records); an id outside every range
// stays as it is.
uint32_t UnshiftId(const std::vector<spec::IdMapping>& maps, uint32_t id);

// Copies `src` to `dst` (which must not exist) with owners shifted.
Status CopyTreeShifted(const std::string& src, const std::string& dst,
                       const std::vector<spec::IdMapping>& uids,
                       const std::vector<spec::IdMapping>& gids);

}  // namespace berth::image
