// docker's --change lines: Dockerfile instructions that edit an image's
// container config without running anything, as `docker import -c` and
// `docker commit -c` (the API's `changes` query parameter) apply them.
//
// The instructions docker allows there, with the Dockerfile's syntax:
//   CMD, ENTRYPOINT   exec form (a JSON array of strings) or shell form,
//                     which becomes ["/bin/sh", "-c", "<the rest as written>"];
//                     ENTRYPOINT clears Cmd unless these changes set CMD
//   ENV               `ENV k=v k2="v 2"` or the old `ENV k the rest of the line`
//   LABEL             the same two forms, into Labels
//   WORKDIR           relative paths join the current WorkingDir
//   USER, STOPSIGNAL  one value (a signal name or number, checked)
//   EXPOSE            port[-port][/tcp|udp|sctp] ..., into ExposedPorts
//   VOLUME            a JSON array or words, into Volumes
//   ONBUILD           the trigger line, appended to OnBuild
//   HEALTHCHECK       NONE, or [--interval= --timeout= --start-period=
//                     --start-interval= --retries=] CMD ..., into Healthcheck
// Any other instruction is refused as docker refuses it: "RUN is not a valid
// change command". Keywords are case-insensitive; empty lines and lines
// starting with '#' are skipped.
//
// Words are read as the Dockerfile reads them: single quotes are literal,
// double quotes and backslashes escape, and in ENV, LABEL, WORKDIR, USER,
// EXPOSE, VOLUME and STOPSIGNAL $VAR, ${VAR}, ${VAR:-word}, ${VAR:+word}
// (and the forms without ':') expand from the config's Env as it stands
// before that line. CMD, ENTRYPOINT, ONBUILD and HEALTHCHECK are kept as
// written, for the shell to expand at run time.
//
// Pure functions of their inputs; thread-safe.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"

namespace berth::image {

// Applies `changes` in order to `config`, a container config object with
// docker's field names (Cmd, Entrypoint, Env, WorkingDir, User,
// ExposedPorts, Labels, Volumes, StopSignal, OnBuild, Healthcheck). On error
// (EINVAL, one line naming the change and the cause) `config` is left as it
// was.
Status ApplyConfigChanges(nlohmann::json& config, const std::vector<std::string>& changes);

}  // namespace berth::image
