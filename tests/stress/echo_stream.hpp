#pragma once

// The byte stream one connection of the echo integrity test sends, as a pure function of
// (seed, connection id), so that the checker needs no copy of what was sent:
//
//   content   byte o of connection c is byte (o % 8) of mix64(key(c) + o / 8): a lost,
//             repeated or reordered byte, or one from another connection, differs from the
//             expected one with probability 255/256, and a run of them is caught for sure
//   sizes     message m's size comes from the connection's size generator, drawn in order;
//             the reader replays it only to learn the total and to name the message of a
//             mismatching offset (the stream itself carries no boundaries)
//   splits    how a message is cut into writes, and how big each read is, come from separate
//             generators: they change the timing, never the bytes
#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <utility>

namespace weft::stress {

static_assert(std::endian::native == std::endian::little, "fill() copies whole words");

/// splitmix64's finalizer (Steele, Lea, Flood 2014): a bijection that mixes every input bit.
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/// splitmix64: a small, fast generator whose streams differ for different seeds.
class Rng {
public:
    explicit Rng(std::uint64_t seed) noexcept : state_(mix64(seed)) {}
    std::uint64_t next() noexcept { return mix64(state_ += 0x9e3779b97f4a7c15ull); }
    /// Uniform in [lo, hi] (the modulo bias is irrelevant here).
    std::size_t between(std::size_t lo, std::size_t hi) noexcept {
        return lo + static_cast<std::size_t>(next() % (hi - lo + 1));
    }

private:
    std::uint64_t state_;
};

enum class SizeDist {
    uniform,  ///< every size in [1, max] equally likely (mean max / 2)
    log,      ///< a power of two 2^k, k uniform in [0, log2 max], then uniform in [1, 2^k]
};

struct StreamSpec {
    std::uint64_t seed = 1;
    std::size_t messages = 100;
    std::size_t max_size = 16384;
    SizeDist sizes = SizeDist::uniform;
};

/// One connection's stream. Cheap to copy; every member function is const but the generators.
class ConnectionStream {
public:
    ConnectionStream(const StreamSpec& spec, std::uint64_t conn) noexcept
        : spec_(spec), key_(mix64(spec.seed * 0x9e3779b97f4a7c15ull + conn)), conn_(conn) {}

    /// A fresh generator of message sizes: call next_size() `messages` times.
    Rng size_rng() const noexcept { return Rng{key_ ^ 0x5173}; }
    /// The generators of write splits and read sizes (timing only).
    Rng split_rng() const noexcept { return Rng{key_ ^ 0x5e11}; }
    Rng read_rng() const noexcept { return Rng{key_ ^ 0x4ead}; }

    std::size_t next_size(Rng& sizes) const noexcept {
        if (spec_.sizes == SizeDist::uniform) {
            return sizes.between(1, spec_.max_size);
        }
        const unsigned top = static_cast<unsigned>(std::bit_width(spec_.max_size) - 1);
        const std::size_t bound = std::size_t{1} << sizes.between(0, top);
        return sizes.between(1, std::min(bound, spec_.max_size));
    }

    /// The sum of all message sizes.
    std::uint64_t total_bytes() const noexcept {
        Rng sizes = size_rng();
        std::uint64_t total = 0;
        for (std::size_t m = 0; m < spec_.messages; ++m) {
            total += next_size(sizes);
        }
        return total;
    }

    /// Which message holds byte `offset`, and where in it: {message, offset in message}.
    std::pair<std::size_t, std::uint64_t> locate(std::uint64_t offset) const noexcept {
        Rng sizes = size_rng();
        for (std::size_t m = 0; m < spec_.messages; ++m) {
            const std::size_t size = next_size(sizes);
            if (offset < size) {
                return {m, offset};
            }
            offset -= size;
        }
        return {spec_.messages, offset};  // past the end
    }

    /// Writes the stream's bytes [offset, offset + out.size()) to `out`.
    void fill(std::uint64_t offset, std::span<std::byte> out) const noexcept {
        std::size_t i = 0;
        while (i < out.size() && (offset + i) % 8 != 0) {  // head, up to a word boundary
            out[i] = byte_at(offset + i);
            ++i;
        }
        for (; i + 8 <= out.size(); i += 8) {  // whole words (little-endian, as byte_at)
            const std::uint64_t w = word((offset + i) / 8);
            std::memcpy(out.data() + i, &w, 8);
        }
        for (; i < out.size(); ++i) {
            out[i] = byte_at(offset + i);
        }
    }

    std::byte byte_at(std::uint64_t offset) const noexcept {
        return static_cast<std::byte>(word(offset / 8) >> (8 * (offset % 8)));
    }

    std::uint64_t id() const noexcept { return conn_; }

private:
    std::uint64_t word(std::uint64_t index) const noexcept { return mix64(key_ + index); }

    StreamSpec spec_;
    std::uint64_t key_;
    std::uint64_t conn_;
};

}  // namespace weft::stress
