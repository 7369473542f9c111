# Project-wide compile flags: warnings on everywhere, sanitizers in the asan preset.
add_compile_options(-Wall -Wextra -Wno-missing-field-initializers)

if(VIDSCOPE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# Adds a layer library `vidscope_<layer>` from the listed sources.
function(vidscope_add_layer layer)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(vidscope_${layer} STATIC ${ARG_SOURCES})
  target_include_directories(vidscope_${layer} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(vidscope_${layer} PUBLIC ${ARG_DEPS})
endfunction()
