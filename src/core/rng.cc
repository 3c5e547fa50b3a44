#include "src/core/rng.h"

#include <cmath>
#include <numbers>

namespace ropescale {
namespace {

constexpr uint32_t kMul0 = 0xD2511F53u;
constexpr uint32_t kMul1 = 0xCD9E8D57u;
constexpr uint32_t kWeyl0 = 0x9E3779B9u;
constexpr uint32_t kWeyl1 = 0xBB67AE85u;

uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

std::array<uint32_t, 4> Philox4x32(std::array<uint32_t, 4> c, std::array<uint32_t, 2> k) {
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = uint64_t{kMul0} * c[0];
    const uint64_t p1 = uint64_t{kMul1} * c[2];
    const uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    const uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    c = {hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0};
    k[0] += kWeyl0;
    k[1] += kWeyl1;
  }
  return c;
}

uint64_t StreamId(std::span<const uint64_t> parts) {
  uint64_t h = 0x6A09E667F3BCC909ull;
  for (uint64_t p : parts) h = SplitMix64(h ^ SplitMix64(p));
  return h;
}

uint64_t StreamId(std::initializer_list<uint64_t> parts) {
  return StreamId(std::span<const uint64_t>(parts.begin(), parts.size()));
}

uint32_t CounterRng::NextU32() {
  const uint64_t block = counter_ / 4;
  if (block != block_index_) {
    const std::array<uint32_t, 4> ctr = {
        static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32),
        static_cast<uint32_t>(stream_), static_cast<uint32_t>(stream_ >> 32)};
    block_ = Philox4x32(ctr, {static_cast<uint32_t>(seed_), static_cast<uint32_t>(seed_ >> 32)});
    block_index_ = block;
  }
  return block_[counter_++ % 4];
}

uint64_t CounterRng::NextU64() {
  const uint64_t hi = NextU32();
  return (hi << 32) | NextU32();
}

double CounterRng::Uniform() { return static_cast<double>(NextU64() >> 11) * 0x1.0p-53; }

uint64_t CounterRng::Below(uint64_t n) {
  // Lemire-style rejection on 64 bits: reject the top partial range.
  const uint64_t limit = ~uint64_t{0} - (~uint64_t{0} % n);
  uint64_t x = NextU64();
  while (x >= limit) x = NextU64();
  return x % n;
}

double CounterRng::Normal() {
  double u1 = Uniform();
  while (u1 <= 0.0) u1 = Uniform();
  const double u2 = Uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

}  // namespace ropescale
