#pragma once
// gantry/io: files in and out: safetensors checkpoints and their JSON headers, PNG images,
// sample grids, plots, JSONL logs.
#include "io/atomic_file.hpp"
#include "io/grid.hpp"
#include "io/json.hpp"
#include "io/jsonl_log.hpp"
#include "io/plot.hpp"
#include "io/png.hpp"
#include "io/safetensors.hpp"
