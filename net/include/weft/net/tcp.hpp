#pragma once

// TCP: listeners and streams.
#include <weft/net/accept_backoff.hpp>
#include <weft/net/tcp_listener.hpp>
#include <weft/net/tcp_server.hpp>
#include <weft/net/tcp_stream.hpp>
