#pragma once

// Umbrella header: the runtime and the net layer.
#include <weft/deadline.hpp>
#include <weft/error.hpp>
#include <weft/fiber_local.hpp>
#include <weft/net/endpoint.hpp>
#include <weft/net/tcp.hpp>
#include <weft/runtime.hpp>
#include <weft/spawn.hpp>
#include <weft/this_fiber.hpp>
