#pragma once

// The engine behind RequestParser and ResponseParser (installed because they hold it by
// value; not API). The state machines are documented where they live: src/http/*.cpp.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include <weft/http/errc.hpp>
#include <weft/http/message.hpp>

namespace weft::http::detail {

using Bytes = std::span<const std::byte>;

/// A run of bytes as an offset into the section being scanned (the input moves between
/// calls, so positions are kept as offsets and turned into views once the section is in).
struct Run {
    std::size_t at = 0;
    std::size_t size = 0;
};

struct FieldRun {
    Run name;
    Run value;
};

/// State of the byte-at-a-time scan of a head or a trailer section (scan.cpp).
// clang-format off
enum class Scan : std::uint8_t {
    lead_lf, method, target, req_version,           // request line
    resp_version, status_code, reason,              // status line
    start_lf,                                       // LF ending the start line
    line_begin, name, value_ows, value, value_lf,   // field lines
    end_lf,                                         // LF of the empty line ending the section
};

/// State of the chunked decoder (chunked.cpp).
enum class Chunk : std::uint8_t {
    size, ext_semi_bws, ext_name_bws, ext_name, ext_after_name, ext_value_bws, ext_value,
    ext_quoted, ext_quoted_pair, ext_value_end, size_lf, data, data_cr, data_lf,
};
// clang-format on

class MessageParser {
public:
    enum class Kind : std::uint8_t { request, response };

    MessageParser(Kind kind, const Limits& limits);

    ParseResult parse(Bytes input) noexcept;
    ParseResult finish() noexcept;
    void reset() noexcept;
    void set_request_method(std::string_view method) noexcept;

    const RequestHead& request_head() const noexcept { return request_; }
    const ResponseHead& response_head() const noexcept { return response_; }
    std::span<const Header> trailers() const noexcept { return trailers_; }
    const Limits& limits() const noexcept { return limits_; }
    std::size_t max_head_size() const noexcept;

private:
    enum class Phase : std::uint8_t {
        head,
        body_none,
        body_length,
        body_chunked,
        body_close,
        trailers,
        failed,
    };
    enum class Scanned : std::uint8_t { more, complete, failed };

    // scan.cpp: the head / trailer section scanner
    void start_section() noexcept;
    void restart_section() noexcept;
    Scanned scan(Bytes in) noexcept;
    errc scan_start_line(const unsigned char* p, std::size_t i) noexcept;
    errc scan_field_line(unsigned char c, std::size_t i) noexcept;
    errc check_target(const unsigned char* p) const noexcept;
    // message_parser.cpp
    ParseResult parse_head(Bytes in) noexcept;
    ParseResult parse_trailers(Bytes in, std::size_t from) noexcept;
    ParseResult body_bytes(Bytes in, std::uint64_t limit) noexcept;
    std::span<const Header> materialize(Bytes in) noexcept;
    ParseResult fail(errc e) noexcept;
    ParseResult done(std::size_t consumed) noexcept;
    // rules.cpp: what the head means for framing and keep-alive
    errc apply_rules(MessageHead& head) noexcept;
    errc choose_body(MessageHead& head, bool has_te, bool has_length) noexcept;
    // chunked.cpp
    ParseResult parse_chunked(Bytes in) noexcept;
    errc chunk_step(unsigned char c) noexcept;
    errc chunk_ext_step(unsigned char c) noexcept;
    errc end_chunk_size() noexcept;

    Kind kind_;
    Limits limits_;
    std::vector<FieldRun> runs_;  // limits_.max_headers entries, sized once
    std::vector<Header> fields_;  // the same fields as views, once their section is in
    Phase phase_ = Phase::head;
    errc error_{};

    // section scanner (offsets are relative to the section's first byte)
    Scan state_ = Scan::method;
    std::size_t scanned_ = 0;      // bytes of the section already scanned
    std::size_t fields_at_ = 0;    // offset of the first field line
    std::size_t first_field_ = 0;  // index in runs_ of this section's first field
    std::size_t count_ = 0;        // fields stored in runs_ (head + trailers)
    std::size_t mark_ = 0;         // offset where the current token began
    std::size_t value_end_ = 0;    // end of the current value without trailing whitespace
    std::size_t section_end_ = 0;  // section size once complete
    Run method_, target_, reason_;
    int version_minor_ = 1;
    int status_ = 0;

    // message
    RequestHead request_;
    ResponseHead response_;
    std::span<const Header> trailers_;
    bool head_request_ = false;     // response parser: the request was HEAD
    bool connect_request_ = false;  // response parser: the request was CONNECT

    // body
    std::uint64_t remaining_ = 0;   // body_length: bytes still to come
    std::uint64_t body_total_ = 0;  // chunked, until close: body bytes so far
    Chunk chunk_ = Chunk::size;
    std::uint64_t chunk_size_ = 0;  // size: the value so far; data: bytes left in the chunk
    std::size_t chunk_digits_ = 0;
    std::size_t chunk_line_ = 0;  // bytes of the current chunk-size line
};

}  // namespace weft::http::detail
