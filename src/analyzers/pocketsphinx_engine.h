#pragma once
// TranscriptEngine on CMU PocketSphinx (Debian libpocketsphinx 0.8+5prealpha, model package
// pocketsphinx-en-us): continuous US English with the en-us acoustic model, the en-us trigram language
// model and CMUdict. See docs/analyzers.md "transcript" for measured word error rates.
#include <memory>
#include <string>

#include "analyzers/transcript_engine.h"

namespace vidscope::analyzers {

struct PocketSphinxModel {
  std::string acoustic_model_dir;  // -hmm: directory with mdef, means, variances, ...
  std::string language_model;      // -lm: ARPA or binary trigram model
  std::string dictionary;          // -dict: pronunciation dictionary
};

// The paths where Debian's pocketsphinx-en-us installs the model.
PocketSphinxModel default_pocketsphinx_model();

// "" when every part of `model` exists; otherwise a sentence naming the first missing path and the
// Debian package that provides the default one.
std::string missing_pocketsphinx_model_reason(const PocketSphinxModel& model);

// Loads the model (a second or two; ~100 MiB resident, mostly the language model and dictionary). Throws Error(kInput)
// naming the path when a file is missing or PocketSphinx rejects the model.
std::unique_ptr<TranscriptEngine> create_pocketsphinx_engine(const PocketSphinxModel& model);

}  // namespace vidscope::analyzers
