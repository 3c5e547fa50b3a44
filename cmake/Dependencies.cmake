# Every external dependency of ropescale is found here, in one place.

find_package(MPI REQUIRED COMPONENTS C CXX)

# HDF5: the C API only, so the same code builds against Debian's parallel HDF5
# (libhdf5-openmpi-dev) and against a serial HDF5 (the GPU machine). Debian names its
# parallel wrapper h5pcc.openmpi; pin it so a serial h5cc never wins when both are present.
set(HDF5_PREFER_PARALLEL TRUE)
if(EXISTS /usr/bin/h5pcc.openmpi AND NOT HDF5_C_COMPILER_EXECUTABLE)
  set(HDF5_C_COMPILER_EXECUTABLE /usr/bin/h5pcc.openmpi CACHE FILEPATH "HDF5 C wrapper")
endif()
find_package(HDF5 REQUIRED COMPONENTS C)
if(NOT TARGET hdf5::hdf5)
  add_library(hdf5::hdf5 INTERFACE IMPORTED)
  target_include_directories(hdf5::hdf5 INTERFACE ${HDF5_C_INCLUDE_DIRS} ${HDF5_INCLUDE_DIRS})
  target_link_libraries(hdf5::hdf5 INTERFACE ${HDF5_C_LIBRARIES} ${HDF5_LIBRARIES})
endif()
message(STATUS "ropescale: HDF5 ${HDF5_VERSION}, parallel=${HDF5_IS_PARALLEL}")

find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(OpenMP REQUIRED COMPONENTS CXX)
find_package(Threads REQUIRED)

# Tokenizers: SentencePiece natively (libsentencepiece-dev), SHA-256 of tokenizer files from
# OpenSSL's libcrypto (libssl-dev). Hugging Face tokenizer.json runs in a Python child with the
# PyPI `tokenizers` package: by default the repository's .venv (env/install-deps.sh makes it),
# else /usr/bin/python3; the environment variable ROPESCALE_TOKENIZER_PYTHON overrides both.
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SENTENCEPIECE REQUIRED IMPORTED_TARGET sentencepiece)
set(ROPESCALE_TOKENIZER_VENV_PYTHON ${CMAKE_SOURCE_DIR}/.venv/bin/python3 CACHE FILEPATH
    "The python3 an HfTokenizer runs when ROPESCALE_TOKENIZER_PYTHON is unset and it exists")

# OpenBLAS for the CPU backend's matmuls (cblas interface).
set(BLA_VENDOR OpenBLAS)
find_package(BLAS REQUIRED)
find_path(ROPESCALE_CBLAS_INCLUDE_DIR cblas.h
          PATHS /usr/include/x86_64-linux-gnu /usr/include/openblas /usr/include)
if(NOT ROPESCALE_CBLAS_INCLUDE_DIR)
  message(FATAL_ERROR "cblas.h not found: install libopenblas-dev")
endif()

if(ROPESCALE_TESTS)
  find_package(GTest REQUIRED)
endif()
if(ROPESCALE_BENCH)
  find_package(benchmark QUIET)
endif()

# CUDA: AUTO builds it when nvcc is found.
set(ROPESCALE_HAVE_CUDA OFF)
if(NOT ROPESCALE_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    enable_language(CUDA)
    find_package(CUDAToolkit REQUIRED)
    set(ROPESCALE_HAVE_CUDA ON)
  elseif(ROPESCALE_CUDA STREQUAL "ON")
    message(FATAL_ERROR "ROPESCALE_CUDA=ON but no CUDA compiler (nvcc) was found")
  endif()
endif()
message(STATUS "ropescale: CUDA backend ${ROPESCALE_HAVE_CUDA}")

# Warnings for our own targets.
function(ropescale_warnings target)
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wno-unused-parameter>)
endfunction()

# A layer library from every *.cc below DIR (recursively); INTERFACE while it has none yet.
function(ropescale_layer name dir)
  file(GLOB_RECURSE _sources CONFIGURE_DEPENDS ${dir}/*.cc)
  if(_sources)
    add_library(${name} STATIC ${_sources})
    target_link_libraries(${name} PUBLIC ${ARGN})
    ropescale_warnings(${name})
  else()
    add_library(${name} INTERFACE)
    target_link_libraries(${name} INTERFACE ${ARGN})
  endif()
endfunction()
