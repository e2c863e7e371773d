// The blocking framing layer: one loop drives every parser over a BufferedReader.
#include <algorithm>
#include <array>
#include <string_view>
#include <vector>

#include <weft/detail/throw_error.hpp>
#include <weft/error.hpp>
#include <weft/framing/io.hpp>

namespace weft::framing {

namespace {

using weft::detail::throw_error;

// Parse what is buffered; read more only when the parser needs it. The reader grows its
// buffer (by doubling) only up to the parser's largest frame, which the parser enforces.
template <class Parser>
std::optional<net::ConstBuffer> next_frame(net::BufferedReader& r, Parser& p,
                                           std::error_code& ec) noexcept {
    ec.clear();
    for (;;) {
        const net::ConstBuffer in = r.buffered();
        const ParseResult res = p.parse(in);
        if (res.status == ParseResult::Status::frame) {
            r.consume(res.consumed);  // the payload view stays valid until the next fill
            return res.payload;
        }
        if (res.status == ParseResult::Status::error) {
            ec = res.error;
            p.reset();
            return std::nullopt;
        }
        if (r.fill(p.max_frame(), ec) == 0) {
            if (!ec && !in.empty()) {
                ec = make_error_code(weft::errc::unexpected_eof);
            }
            return std::nullopt;  // a stream error keeps the parser's scan state: retryable
        }
    }
}

template <class T>
T or_throw(T value, std::error_code ec, std::string_view op) {
    if (ec) {
        throw_error(ec, op);
    }
    return value;
}

// Whether payload + delimiter would read back with the first delimiter anywhere but right
// after the payload: inside the payload, or straddling its end (the payload's last k bytes
// start the delimiter, and the delimiter's first d - k bytes equal its last d - k).
bool ends_early(std::string_view payload, std::string_view delimiter) noexcept {
    if (payload.find(delimiter) != std::string_view::npos) {
        return true;
    }
    const std::size_t d = delimiter.size();
    for (std::size_t k = 1; k < d && k <= payload.size(); ++k) {
        if (payload.substr(payload.size() - k) == delimiter.substr(0, k) &&
            delimiter.substr(0, d - k) == delimiter.substr(k)) {
            return true;
        }
    }
    return false;
}

}  // namespace

std::optional<std::string_view> read_line(net::BufferedReader& r, LineParser& p,
                                          std::error_code& ec) noexcept {
    auto frame = next_frame(r, p, ec);
    if (!frame) {
        return std::nullopt;
    }
    return net::as_string(*frame);
}

std::optional<std::string_view> read_line(net::BufferedReader& r, LineParser& p) {
    std::error_code ec;
    auto line = read_line(r, p, ec);
    return or_throw(line, ec, "read_line");
}

std::optional<std::string> read_line_copy(net::BufferedReader& r, LineParser& p) {
    auto line = read_line(r, p);
    if (!line) {
        return std::nullopt;
    }
    return std::string{*line};
}

std::optional<net::ConstBuffer> read_frame(net::BufferedReader& r, DelimitedParser& p,
                                           std::error_code& ec) noexcept {
    return next_frame(r, p, ec);
}

std::optional<net::ConstBuffer> read_frame(net::BufferedReader& r, DelimitedParser& p) {
    std::error_code ec;
    auto frame = next_frame(r, p, ec);
    return or_throw(frame, ec, "read_frame");
}

std::optional<net::ConstBuffer> read_frame(net::BufferedReader& r, LengthPrefixedParser& p,
                                           std::error_code& ec) noexcept {
    return next_frame(r, p, ec);
}

std::optional<net::ConstBuffer> read_frame(net::BufferedReader& r, LengthPrefixedParser& p) {
    std::error_code ec;
    auto frame = next_frame(r, p, ec);
    return or_throw(frame, ec, "read_frame");
}

void write_line(net::BufferedWriter& w, const LineParser& p, std::string_view line, bool crlf,
                std::error_code& ec) noexcept {
    ec.clear();
    if (line.size() > p.options().max_length) {
        ec = make_error_code(errc::line_too_long);
        return;
    }
    if (line.find('\n') != std::string_view::npos) {
        ec = make_error_code(errc::malformed);  // it would read back as two lines
        return;
    }
    if (!crlf && line.ends_with('\r')) {
        ec = make_error_code(errc::malformed);  // "x\r" + "\n" would read back as "x"
        return;
    }
    const std::array<net::ConstBuffer, 2> parts = {net::as_bytes(line),
                                                   net::as_bytes(crlf ? "\r\n" : "\n")};
    w.write(parts, ec);
}

void write_line(net::BufferedWriter& w, const LineParser& p, std::string_view line, bool crlf) {
    std::error_code ec;
    write_line(w, p, line, crlf, ec);
    or_throw(0, ec, "write_line");
}

void write_frame(net::BufferedWriter& w, const DelimitedParser& p, net::ConstBuffer payload,
                 std::error_code& ec) noexcept {
    ec.clear();
    const std::string& delimiter = p.options().delimiter;
    if (payload.size() > p.options().max_frame) {
        ec = make_error_code(errc::frame_too_large);
        return;
    }
    if (ends_early(net::as_string(payload), delimiter)) {
        ec = make_error_code(errc::malformed);  // it would not read back as this one frame
        return;
    }
    const std::array<net::ConstBuffer, 2> parts = {payload, net::as_bytes(delimiter)};
    w.write(parts, ec);
}

void write_frame(net::BufferedWriter& w, const DelimitedParser& p, net::ConstBuffer payload) {
    std::error_code ec;
    write_frame(w, p, payload, ec);
    or_throw(0, ec, "write_frame");
}

void write_frame(net::BufferedWriter& w, const LengthPrefixedParser& p, net::ConstBuffer payload,
                 net::ConstBuffer prefix, std::error_code& ec) noexcept {
    ec.clear();
    if (prefix.size() != p.options().header_offset) {
        ec = std::make_error_code(std::errc::invalid_argument);
        return;
    }
    if (payload.size() > p.options().max_payload) {
        ec = make_error_code(errc::frame_too_large);
        return;
    }
    std::array<std::byte, 64> small;
    std::vector<std::byte> large;  // only for headers over 64 bytes
    std::span<std::byte> header{small};
    try {
        if (p.header_size() > small.size()) {
            large.resize(p.header_size());
            header = large;
        }
        header = header.first(p.encode_header(header, payload.size(), prefix));
    } catch (const std::system_error& e) {
        ec = e.code();
        return;
    } catch (const std::exception&) {
        ec = std::make_error_code(std::errc::invalid_argument);
        return;
    }
    const std::array<net::ConstBuffer, 2> parts = {net::ConstBuffer{header}, payload};
    w.write(parts, ec);
}

void write_frame(net::BufferedWriter& w, const LengthPrefixedParser& p, net::ConstBuffer payload,
                 net::ConstBuffer prefix) {
    std::error_code ec;
    write_frame(w, p, payload, prefix, ec);
    or_throw(0, ec, "write_frame");
}

}  // namespace weft::framing
