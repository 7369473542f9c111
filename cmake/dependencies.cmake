# Every dependency comes from Debian packages installed by scripts/setup.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(OpenCV 4 REQUIRED COMPONENTS core imgproc video imgcodecs)

pkg_check_modules(FFMPEG REQUIRED IMPORTED_TARGET
  libavformat libavcodec libavutil libswscale libswresample)
pkg_check_modules(EBUR128 REQUIRED IMPORTED_TARGET libebur128)

if(VIDSCOPE_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(VIDSCOPE_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
