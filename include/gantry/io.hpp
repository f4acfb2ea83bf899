#pragma once
// gantry/io: files in and out (safetensors checkpoints and their JSON headers).
#include "io/atomic_file.hpp"
#include "io/json.hpp"
#include "io/safetensors.hpp"
