#pragma once

#include <string_view>
#include <system_error>
#include <vector>

#include <weft/deadline.hpp>
#include <weft/net/endpoint.hpp>

namespace weft::net {

/// The category of getaddrinfo's errors (EAI_NONAME, EAI_AGAIN, ...): message() is
/// gai_strerror's. EAI_SYSTEM is reported as the errno it carries, in std::system_category().
const std::error_category& resolve_category() noexcept;

/// Resolves `host` and `service` to TCP endpoints, in getaddrinfo's order (RFC 6724: the
/// preferred address first), duplicates removed; never an empty list.
/// - host: a name ("localhost"), or a numeric IPv4/IPv6 address ("::1" or "[::1]"); empty
///   means the loopback addresses.
/// - service: a port number ("8080") or a service name ("http", from /etc/services).
/// Blocks: a numeric host with a numeric port is converted at once, without a lookup;
/// anything else runs getaddrinfo on the Runtime's offload pool (weft::offload_until) and
/// parks only the calling fiber. At the deadline or on a cancel the caller stops waiting;
/// the lookup finishes on the pool, unobserved.
/// Errors: resolve_category() (e.g. EAI_NONAME "Name or service not known", EAI_SERVICE),
/// errc::timed_out, errc::cancelled, errc::not_in_fiber (a lookup outside a weft fiber).
/// The throwing form's message names the host and service.
std::vector<Endpoint> resolve(std::string_view host, std::string_view service,
                              Deadline d = Deadline::never());
std::vector<Endpoint> resolve(std::string_view host, std::string_view service, Deadline d,
                              std::error_code& ec) noexcept;

}  // namespace weft::net
