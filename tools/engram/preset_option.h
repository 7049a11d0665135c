// --preset / --hf-config, shared by `engram layout` and `engram hash` (cmd_layout.cpp).
#pragma once

#include <string>

#include "hashing/presets.h"

namespace engram::cli {

// The built-in preset `name`, or the one read from `hf_config` (checked against `name` when
// both are given); throws engram::Error when neither is.
ModelPreset resolve_preset(const std::string& name, const std::string& hf_config);
std::string preset_help();  // the built-in names, comma-separated

}  // namespace engram::cli
