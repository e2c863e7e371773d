#pragma once

#include <concepts>
#include <cstddef>
#include <span>
#include <system_error>
#include <type_traits>

#include <weft/net/buffer.hpp>

namespace weft::net {

/// What the buffered layers need from a stream: the noexcept ec forms of read_some and of
/// the gather write_all. TcpStream satisfies it; so does the tests' ScriptStream.
template <class S>
concept ByteStream = requires(S& s, MutableBuffer in, std::span<const ConstBuffer> out,
                              std::error_code& ec) {
    { s.read_some(in, ec) }
    noexcept->std::same_as<std::size_t>;
    { s.write_all(out, ec) }
    noexcept->std::same_as<std::size_t>;
};

/// A non-owning, type-erased reference to a ByteStream: three pointers, no allocation.
/// It lets BufferedReader, BufferedWriter and the protocols be ordinary compiled code that
/// works over any stream; the cost is one indirect call per syscall-sized operation.
/// Lifetime: the referenced stream must outlive every use of the StreamRef.
class StreamRef {
public:
    template <ByteStream S>
    requires(!std::same_as<std::remove_cvref_t<S>, StreamRef>) StreamRef(S& s)
    noexcept  // NOLINT(google-explicit-constructor): a reference, like span
        : self_(&s), read_(&read_thunk<S>), write_(&write_thunk<S>) {}

    /// Reads at least one byte, or returns 0 at EOF; see TcpStream::read_some.
    std::size_t read_some(MutableBuffer buf, std::error_code& ec) noexcept {
        return read_(self_, buf, ec);
    }
    /// Writes all of `bufs` in order; returns the bytes written (all unless ec is set).
    std::size_t write_all(std::span<const ConstBuffer> bufs, std::error_code& ec) noexcept {
        return write_(self_, bufs, ec);
    }
    std::size_t write_all(ConstBuffer buf, std::error_code& ec) noexcept {
        return write_(self_, std::span<const ConstBuffer>(&buf, 1), ec);
    }

private:
    using ReadFn = std::size_t (*)(void*, MutableBuffer, std::error_code&) noexcept;
    using WriteFn = std::size_t (*)(void*, std::span<const ConstBuffer>, std::error_code&) noexcept;

    template <class S>
    static std::size_t read_thunk(void* self, MutableBuffer buf, std::error_code& ec) noexcept {
        return static_cast<S*>(self)->read_some(buf, ec);
    }
    template <class S>
    static std::size_t write_thunk(void* self, std::span<const ConstBuffer> bufs,
                                   std::error_code& ec) noexcept {
        return static_cast<S*>(self)->write_all(bufs, ec);
    }

    void* self_;
    ReadFn read_;
    WriteFn write_;
};

}  // namespace weft::net
