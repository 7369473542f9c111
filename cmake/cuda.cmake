# The CUDA backend (src/backend/cuda). VIDSCOPE_CUDA=AUTO builds it when a CUDA compiler and the
# toolkit's cuBLASLt are found, ON requires them, OFF never builds it. Without it the backend library
# carries a stub whose cuda_device_count() is 0, so every caller and test compiles the same way.
#
# Sets VIDSCOPE_HAVE_CUDA (ON/OFF) for the CMakeLists that follow; targets that link
# vidscope_backend see the compile definition VIDSCOPE_HAVE_CUDA=1 when it is ON.
set(VIDSCOPE_CUDA AUTO CACHE STRING "Build the CUDA backend: AUTO (when nvcc is found), ON or OFF")
set_property(CACHE VIDSCOPE_CUDA PROPERTY STRINGS AUTO ON OFF)
set(VIDSCOPE_HAVE_CUDA OFF)

if(NOT VIDSCOPE_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    # Ampere and Hopper machine code, plus sm_90 PTX that newer GPUs compile at load time.
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES "80-real;90")
    endif()
    enable_language(CUDA)
    find_package(CUDAToolkit)
    if(CUDAToolkit_FOUND AND TARGET CUDA::cublasLt AND TARGET CUDA::cudart_static)
      set(VIDSCOPE_HAVE_CUDA ON)
    endif()
  endif()
  if(VIDSCOPE_CUDA STREQUAL "ON" AND NOT VIDSCOPE_HAVE_CUDA)
    message(FATAL_ERROR "VIDSCOPE_CUDA=ON but no CUDA compiler with cuBLASLt was found (set CMAKE_CUDA_COMPILER)")
  endif()
endif()
message(STATUS "vidscope: CUDA backend ${VIDSCOPE_HAVE_CUDA}")

if(VIDSCOPE_HAVE_CUDA)
  set(CMAKE_CUDA_STANDARD 17)  # the kernels need no more; CMake 3.25 does not know nvcc 13's C++20
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)
  # The project-wide options (cmake/warnings.cmake) are GCC flags that nvcc rejects: keep them for
  # C and C++, and hand nvcc's host compiler the warning flags only. The .cu files hold kernels and
  # their launch wrappers; the host logic of the backend is plain C++ and gets the sanitizers.
  get_property(vidscope_host_options DIRECTORY PROPERTY COMPILE_OPTIONS)
  set(vidscope_wrapped_options)
  foreach(option IN LISTS vidscope_host_options)
    list(APPEND vidscope_wrapped_options "$<$<COMPILE_LANGUAGE:C,CXX>:${option}>")
  endforeach()
  set_property(DIRECTORY PROPERTY COMPILE_OPTIONS ${vidscope_wrapped_options}
    "$<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra,-Wno-missing-field-initializers>"
    "$<$<COMPILE_LANGUAGE:CUDA>:--extended-lambda>")
endif()
