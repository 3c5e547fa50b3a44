#pragma once
// Counter-based random numbers (Philox-4x32-10, Salmon et al., SC'11). A draw is a pure
// function of (seed, stream, counter), so which rank or thread makes it never changes the
// value: the search keys streams by generation and candidate index, which makes results
// independent of the MPI layout. The whole state is three integers, easy to log and resume.
#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>

namespace ropescale {

// One Philox-4x32-10 block: 128 random bits for a 128-bit counter under a 64-bit key.
std::array<uint32_t, 4> Philox4x32(std::array<uint32_t, 4> counter, std::array<uint32_t, 2> key);

// Mixes several integers into one stream id (e.g. {kPurposeMutation, generation, index}).
uint64_t StreamId(std::initializer_list<uint64_t> parts);
uint64_t StreamId(std::span<const uint64_t> parts);

class CounterRng {
 public:
  CounterRng(uint64_t seed, uint64_t stream, uint64_t counter = 0)
      : seed_(seed), stream_(stream), counter_(counter) {}

  uint32_t NextU32();
  uint64_t NextU64();
  // Uniform in [0, 1) with 53 random bits.
  double Uniform();
  // Uniform integer in [0, n), n > 0, without modulo bias.
  uint64_t Below(uint64_t n);
  // Standard normal (Box-Muller).
  double Normal();

  uint64_t seed() const { return seed_; }
  uint64_t stream() const { return stream_; }
  // Number of 32-bit words drawn so far: with seed and stream, the whole state.
  uint64_t counter() const { return counter_; }

 private:
  uint64_t seed_;
  uint64_t stream_;
  uint64_t counter_;
  std::array<uint32_t, 4> block_{};
  uint64_t block_index_ = ~uint64_t{0};
};

}  // namespace ropescale
