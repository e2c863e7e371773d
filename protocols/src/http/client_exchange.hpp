#pragma once

// Writing a request on a client connection (private to the client).

#include <string>
#include <system_error>

#include <weft/deadline.hpp>
#include <weft/http/client.hpp>

#include "client_pool.hpp"

namespace weft::http::detail {

/// The request line and header section of `req` to `url`, CRLF-terminated.
/// Errors: client_errc::invalid_request (a method that is not a token; CR, LF or NUL in a
/// header name or value; a header name that is not a token).
std::string request_head(const ClientRequest& req, const Url& url, const ClientOptions& options,
                         std::error_code& ec);

/// Writes `head` and the body of `req` (Content-Length or chunked). Blocks: until the
/// socket took it all or the write deadline passes. Only req.body_stream may throw.
void write_request(ClientConnection& c, const std::string& head, const ClientRequest& req,
                   std::error_code& ec);

/// Whether a request may be sent again after a failure (RFC 9110 §9.2.2), as the client
/// retries on a pooled connection that turned out stale.
bool is_idempotent(std::string_view method) noexcept;

/// The earlier of `d` and now + `timeout` (a zero timeout: `d`).
Deadline earliest(Deadline d, std::chrono::milliseconds timeout) noexcept;

}  // namespace weft::http::detail
