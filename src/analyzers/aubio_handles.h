#pragma once
// Owning handles for aubio objects: each new_aubio_* has a matching del_*; unique_ptr with the deleter
// makes every exit path release them. aubio objects are not thread-safe; one owner uses one handle.
#include <memory>

#include <aubio/aubio.h>

namespace vidscope::analyzers {

template <typename T, void (*Delete)(T*)>
struct AubioDeleter {
  void operator()(T* object) const {
    if (object != nullptr) Delete(object);
  }
};

using AubioFvec = std::unique_ptr<fvec_t, AubioDeleter<fvec_t, del_fvec>>;
using AubioCvec = std::unique_ptr<cvec_t, AubioDeleter<cvec_t, del_cvec>>;
using AubioFft = std::unique_ptr<aubio_fft_t, AubioDeleter<aubio_fft_t, del_aubio_fft>>;
using AubioOnset = std::unique_ptr<aubio_onset_t, AubioDeleter<aubio_onset_t, del_aubio_onset>>;
using AubioTempo = std::unique_ptr<aubio_tempo_t, AubioDeleter<aubio_tempo_t, del_aubio_tempo>>;

}  // namespace vidscope::analyzers
