# Every third-party dependency is found here, once, from Debian 12's packages
# (tools/setup.sh installs them).
find_package(Threads REQUIRED)
find_package(Protobuf REQUIRED)
find_package(gRPC CONFIG REQUIRED)
find_package(RocksDB CONFIG REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka++ rdkafka)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)

if(TRAPPE_BUILD_TESTS)
  find_package(GTest CONFIG REQUIRED)
  include(GoogleTest)
endif()
if(TRAPPE_BUILD_BENCH)
  find_package(benchmark CONFIG REQUIRED)
endif()
