#pragma once

#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include <weft/net/buffer.hpp>

namespace weft::test {

/// A ByteStream with no socket, for protocol tests: reads return scripted input, at most
/// `max_read` bytes (and at most one scripted chunk) each; writes are appended to output(),
/// taken at most `max_write` bytes per underlying operation (short writes); the `fail_at`-th
/// operation (1-based, reads and write steps counted together; 0 = never) fails with
/// `fail_with`. It never blocks, so it needs no Runtime.
/// How a ScriptStream splits and fails its operations (see ScriptStream).
struct ScriptOptions {
    std::size_t max_read = std::numeric_limits<std::size_t>::max();
    std::size_t max_write = std::numeric_limits<std::size_t>::max();
    std::size_t fail_at = 0;
    std::error_code fail_with = std::make_error_code(std::errc::connection_reset);
};

class ScriptStream {
public:
    using Options = ScriptOptions;

    explicit ScriptStream(std::string input, Options options = {})
        : ScriptStream(std::vector<std::string>{std::move(input)}, options) {}
    /// Each read returns bytes of one chunk only: {"ab", "c"} reads as "ab" then "c".
    explicit ScriptStream(std::vector<std::string> chunks, Options options = {})
        : chunks_(std::move(chunks)), options_(options) {}

    std::size_t read_some(net::MutableBuffer buf, std::error_code& ec) noexcept;
    std::size_t write_all(std::span<const net::ConstBuffer> bufs, std::error_code& ec) noexcept;

    const std::string& output() const noexcept { return output_; }
    /// Operations so far (read_some calls with a non-empty buffer, and write steps).
    std::size_t operations() const noexcept { return ops_; }
    /// True once every scripted byte has been read.
    bool drained() const noexcept { return chunk_ == chunks_.size(); }

private:
    bool next_op_fails(std::error_code& ec) noexcept;

    std::vector<std::string> chunks_;
    Options options_;
    std::size_t chunk_ = 0;   // current chunk
    std::size_t offset_ = 0;  // read position in it
    std::size_t ops_ = 0;
    std::string output_;
};

}  // namespace weft::test
