// Container names and IDs: docker's rule for what a name may be, generated
// names in docker's adjective_surname style ("brave_hopper") for containers
// created without --name, and the random IDs of containers and execs.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/error.h"

namespace berth::engine {

// 64 random lowercase hex digits, as docker's container and exec IDs.
Result<std::string> NewRandomId();

// A name as docker accepts it: [a-zA-Z0-9][a-zA-Z0-9_.-]+, an optional
// leading "/" allowed. Returns it without the "/". Error (docker's):
// "Invalid container name (x), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed".
Result<std::string> ValidateContainerName(std::string_view name);

// One random adjective_surname. `retry` > 0 appends a digit, as docker
// does once a few random picks have collided ("brave_hopper3").
std::string RandomContainerName(int retry = 0);

// A generated name for which `taken` answers false, trying random names
// (with digits after the first few collisions); EEXIST after many tries.
Result<std::string> GenerateContainerName(
    const std::function<Result<bool>(const std::string&)>& taken);

// How many adjectives and surnames the generator draws from.
size_t NameAdjectiveCount();
size_t NameSurnameCount();

}  // namespace berth::engine
