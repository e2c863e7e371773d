#include "support/script_stream.hpp"

#include <algorithm>
#include <cstring>

namespace weft::test {

bool ScriptStream::next_op_fails(std::error_code& ec) noexcept {
    ++ops_;
    if (options_.fail_at != 0 && ops_ == options_.fail_at) {
        ec = options_.fail_with;
        return true;
    }
    return false;
}

std::size_t ScriptStream::read_some(net::MutableBuffer buf, std::error_code& ec) noexcept {
    ec.clear();
    if (buf.empty()) {
        return 0;
    }
    if (next_op_fails(ec)) {
        return 0;
    }
    while (chunk_ < chunks_.size() && offset_ == chunks_[chunk_].size()) {
        ++chunk_;
        offset_ = 0;
    }
    if (chunk_ == chunks_.size()) {
        return 0;  // EOF
    }
    const std::string& c = chunks_[chunk_];
    const std::size_t n = std::min({buf.size(), options_.max_read, c.size() - offset_});
    std::memcpy(buf.data(), c.data() + offset_, n);
    offset_ += n;
    if (offset_ == c.size()) {
        ++chunk_;
        offset_ = 0;
    }
    return n;
}

std::size_t ScriptStream::write_all(std::span<const net::ConstBuffer> bufs,
                                    std::error_code& ec) noexcept {
    ec.clear();
    std::size_t written = 0;
    for (net::ConstBuffer b : bufs) {
        while (!b.empty()) {
            if (next_op_fails(ec)) {
                return written;
            }
            const std::size_t n = std::min(b.size(), options_.max_write);
            output_.append(reinterpret_cast<const char*>(b.data()), n);
            b = b.subspan(n);
            written += n;
        }
    }
    return written;
}

}  // namespace weft::test
