#pragma once

// LatencyHistogram: a fixed-size log-linear histogram of nanosecond values (the layout of
// HdrHistogram with 6 significant bits). Recording is an index computation and an increment:
// no allocation, so it can sit in a load generator's hot loop.
//
//   values 0..63           one bucket per nanosecond
//   values 2^k..2^(k+1)-1  64 buckets of width 2^(k-6)   (k = 6..46; relative error < 1.6%)
//   values >= 2^47 ns      clamped into the last bucket (2^47 ns is about 39 hours)
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace bench {

class LatencyHistogram {
public:
    static constexpr unsigned sub_bits = 6;
    static constexpr std::uint64_t sub_count = std::uint64_t{1} << sub_bits;
    static constexpr unsigned max_bits = 47;
    static constexpr std::size_t bucket_count = (max_bits - sub_bits + 1) * sub_count;

    void record(std::uint64_t ns) noexcept {
        ++counts_[index_of(ns)];
        ++total_;
        max_ = ns > max_ ? ns : max_;
    }

    std::uint64_t total() const noexcept { return total_; }
    std::uint64_t max() const noexcept { return max_; }

    /// The value below which a fraction `q` (0..1) of the recordings fall: the midpoint of the
    /// bucket that holds the ceil(q * total)-th smallest value; 0 when empty.
    std::uint64_t percentile(double q) const noexcept {
        if (total_ == 0) {
            return 0;
        }
        auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total_) + 0.999999);
        rank = rank == 0 ? 1 : rank;
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < bucket_count; ++i) {
            seen += counts_[i];
            if (seen >= rank) {
                return midpoint_of(i);
            }
        }
        return max_;
    }

private:
    static std::size_t index_of(std::uint64_t ns) noexcept {
        if (ns < sub_count) {
            return static_cast<std::size_t>(ns);
        }
        const unsigned msb = 63u - static_cast<unsigned>(std::countl_zero(ns));
        if (msb >= max_bits) {
            return bucket_count - 1;
        }
        const unsigned shift = msb - sub_bits;
        return static_cast<std::size_t>((shift + 1) * sub_count + ((ns >> shift) - sub_count));
    }

    static std::uint64_t midpoint_of(std::size_t i) noexcept {
        if (i < sub_count) {
            return i;
        }
        const std::uint64_t shift = i / sub_count - 1;
        const std::uint64_t mantissa = sub_count + i % sub_count;
        return (mantissa << shift) + ((std::uint64_t{1} << shift) >> 1);
    }

    std::array<std::uint64_t, bucket_count> counts_{};
    std::uint64_t total_ = 0;
    std::uint64_t max_ = 0;
};

}  // namespace bench
