#pragma once

// Umbrella header: the runtime and the net layer.
#include <weft/channel.hpp>
#include <weft/deadline.hpp>
#include <weft/error.hpp>
#include <weft/fiber_local.hpp>
#include <weft/net/buffer_pool.hpp>
#include <weft/net/buffered_reader.hpp>
#include <weft/net/buffered_writer.hpp>
#include <weft/net/endpoint.hpp>
#include <weft/net/resolve.hpp>
#include <weft/net/stream.hpp>
#include <weft/net/tcp.hpp>
#include <weft/offload.hpp>
#include <weft/runtime.hpp>
#include <weft/spawn.hpp>
#include <weft/sync.hpp>
#include <weft/this_fiber.hpp>
