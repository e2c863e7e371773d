// Diagnostics across Runtimes (weft/detail/diagnostics.hpp): the list of live Runtimes, only
// so that a test watchdog can print every fiber when a test hangs. Nothing in the runtime
// reads it.
#include <algorithm>
#include <mutex>
#include <vector>

#include <weft/detail/diagnostics.hpp>

#include "fiber_state.hpp"
#include "runtime_impl.hpp"

namespace weft::detail {

namespace {
std::mutex runtimes_mutex;
std::vector<RuntimeImpl*> runtimes;  // runtimes_mutex
}  // namespace

void register_runtime(RuntimeImpl& rt) {
    std::lock_guard lk{runtimes_mutex};
    runtimes.push_back(&rt);
}

void unregister_runtime(RuntimeImpl& rt) noexcept {
    std::lock_guard lk{runtimes_mutex};
    std::erase(runtimes, &rt);
}

std::string describe_fibers() {
    std::string out;
    std::lock_guard lk{runtimes_mutex};  // a Runtime cannot go away while it is described
    for (std::size_t r = 0; r < runtimes.size(); ++r) {
        runtimes[r]->for_each_fiber([&](const FiberState& f) {
            out += "  runtime " + std::to_string(r) + ", fiber '" + f.name() + "': ";
            const char* op = f.op();
            if (f.is_parked()) {
                out += "parked in ";
                out += op != nullptr ? op : "a wait slot";
            } else {
                out += "not parked in weft (running, runnable, or in a join)";
                if (op != nullptr) {
                    out += std::string{"; inside "} + op;
                }
            }
            out += '\n';
        });
    }
    return out;
}

}  // namespace weft::detail
