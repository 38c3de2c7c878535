// Choosing one image manifest from an OCI image index or a Docker manifest
// list: the entry whose platform matches the host's, as docker does.
//
// Matching: os and architecture must be equal; for arm the variant must
// match too when both name one ("v7"); an entry without a variant is taken
// when no exact one exists. Entries without a platform, and attestation
// manifests (platform "unknown/unknown"), never match. The first match in
// index order wins among equals.
#pragma once

#include <string_view>

#include "base/error.h"
#include "spec/image_spec.h"

namespace berth::image {

// The platform berth runs containers for: the host's ("linux/amd64" here).
spec::Platform HostPlatform();

// A platform as docker's --platform takes it: "os[/arch[/variant]]", or an
// architecture alone; missing parts are the host's. Architectures are
// normalized to GOARCH names ("x86_64" amd64, "aarch64" arm64, "armhf" arm
// v7). EINVAL for an empty part or more than three: "invalid platform
// \"a//b\": empty component".
Result<spec::Platform> ParsePlatform(std::string_view text);

// The chosen entry, or an error naming the platforms the index offers:
// "no matching manifest for linux/amd64 in the manifest list entries
// (available: linux/arm64, linux/s390x)" — docker's wording.
Result<spec::Descriptor> SelectPlatform(const spec::Index& index, const spec::Platform& want);

}  // namespace berth::image
