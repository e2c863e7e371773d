#pragma once

// The blocking layer of the framing protocols: the parsers (line.hpp, delimited.hpp,
// length_prefixed.hpp) driven over a BufferedReader / BufferedWriter. Part of the
// weft::protocols target.

#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <weft/error.hpp>
#include <weft/framing/delimited.hpp>
#include <weft/framing/errc.hpp>
#include <weft/framing/length_prefixed.hpp>
#include <weft/framing/line.hpp>
#include <weft/net/buffered_reader.hpp>
#include <weft/net/buffered_writer.hpp>

namespace weft::framing {

// ---- reading ------------------------------------------------------------------------------
//
// Each read returns the next frame's payload as a VIEW into the reader's buffer: valid until
// the next read on that reader (the BufferedReader rule); use the *_copy forms to keep it.
// std::nullopt with no error means the stream ended cleanly at a frame boundary.
//
// Errors: the stream's (errc::timed_out, ECONNRESET, ...), weft::errc::unexpected_eof (EOF
// inside a frame), framing::errc::line_too_long / frame_too_large (the parser's limit; the
// connection should then be closed: the rest of the stream is not at a frame boundary).
// A stream error leaves the reader and parser consistent: after errc::timed_out the read can
// be retried and continues the same frame.
//
// The throwing forms throw std::system_error naming the op.

std::optional<std::string_view> read_line(net::BufferedReader& r, LineParser& p,
                                          std::error_code& ec) noexcept;
std::optional<std::string_view> read_line(net::BufferedReader& r, LineParser& p);
std::optional<std::string> read_line_copy(net::BufferedReader& r, LineParser& p);

std::optional<net::ConstBuffer> read_frame(net::BufferedReader& r, DelimitedParser& p,
                                           std::error_code& ec) noexcept;
std::optional<net::ConstBuffer> read_frame(net::BufferedReader& r, DelimitedParser& p);

/// Length-prefixed: the view is the payload; the header (prefix bytes + length field) is
/// skipped (see LengthPrefixedParser::parse to see it).
std::optional<net::ConstBuffer> read_frame(net::BufferedReader& r, LengthPrefixedParser& p,
                                           std::error_code& ec) noexcept;
std::optional<net::ConstBuffer> read_frame(net::BufferedReader& r, LengthPrefixedParser& p);

/// An owned copy of the next frame (delimited or length-prefixed; read_line_copy for lines).
template <class Parser>
std::optional<std::string> read_frame_copy(net::BufferedReader& r, Parser& p) {
    auto frame = read_frame(r, p);
    if (!frame) {
        return std::nullopt;
    }
    return std::string{net::as_string(*frame)};
}

// ---- writing ------------------------------------------------------------------------------
//
// Writes go into the BufferedWriter (small ones are coalesced, large payloads gathered
// without a copy); call flush() on it before waiting for an answer.
// Errors: the stream's, and framing::errc::malformed for a payload that would not read back
// as one frame (a line containing LF, a delimited payload containing the delimiter),
// framing::errc::frame_too_large for a payload above the parser's maximum. Nothing is
// written for a rejected frame.

/// Writes `line` and then "\n" (or "\r\n" when `crlf`).
void write_line(net::BufferedWriter& w, const LineParser& p, std::string_view line, bool crlf,
                std::error_code& ec) noexcept;
void write_line(net::BufferedWriter& w, const LineParser& p, std::string_view line,
                bool crlf = false);

void write_frame(net::BufferedWriter& w, const DelimitedParser& p, net::ConstBuffer payload,
                 std::error_code& ec) noexcept;
void write_frame(net::BufferedWriter& w, const DelimitedParser& p, net::ConstBuffer payload);

/// `prefix` fills the header_offset bytes before the length field.
void write_frame(net::BufferedWriter& w, const LengthPrefixedParser& p, net::ConstBuffer payload,
                 net::ConstBuffer prefix, std::error_code& ec) noexcept;
void write_frame(net::BufferedWriter& w, const LengthPrefixedParser& p, net::ConstBuffer payload,
                 net::ConstBuffer prefix = {});

}  // namespace weft::framing
