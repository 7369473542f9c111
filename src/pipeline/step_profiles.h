#pragma once
// How the scheduler uses the profile store (memory/profile_store.h): the key an analyzer's step peak is
// remembered under, and the RAM a step is admitted with once a measurement exists.
#include <string>

#include "analyzers/analyzer.h"
#include "memory/profile_store.h"

namespace vidscope::pipeline {

// Everything that changes how much one step allocates: the analyzer, the frames it gets (the stream
// spec and the video's size and rate, which decide the scaled frame size and count), audio, the segment
// plan, its settings and, for model analyzers, the admitted model workload and planned step bytes.
// Readable on purpose (a person can see in the store file what was measured); settings and the model
// workload enter as a 64-bit hash.
std::string step_profile_key(const std::string& analyzer, const analyzers::AnalyzerNeeds& needs,
                             const analyzers::AnalyzerContext& context);

// The RAM a step is admitted with when an earlier run measured it: the measured peak plus a margin of a
// quarter (at least 4 MiB), since a later video of the same shape can hold more detail (more text
// regions, more faces). It may be below the declared need (more steps run side by side) or above it
// (the declaration was too small, and admitting by it would overcommit).
Bytes admitted_step_bytes(const memory::StepProfile& profile);

}  // namespace vidscope::pipeline
