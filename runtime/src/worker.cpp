// Worker: binds one thread to a Runtime. The thread-local pointer below is the only
// thread_local in weft; it names the worker, which is what a thread (not a fiber) owns.
#include "worker.hpp"

#include <boost/fiber/algo/round_robin.hpp>
#include <boost/fiber/operations.hpp>

#include "polling_algorithm.hpp"
#include "runtime_impl.hpp"

namespace weft::detail {

namespace {
thread_local Worker* this_thread_worker = nullptr;
}

// Out of line on purpose: a call the compiler cannot see into is never cached across a
// fiber switch, unlike an inlined TLS address.
Worker* current_worker() noexcept {
    return this_thread_worker;
}

Worker::Worker(RuntimeImpl& runtime, unsigned index, BackendKind kind, std::string* fallback_reason)
    : runtime_(runtime),
      index_(index),
      backend_(make_backend(kind, fallback_reason)),
      stacks_(runtime.options().stack_size) {}

Worker::~Worker() = default;

void Worker::install() {
    stacks_.install_signal_stack();  // for the stack overflow handler
    this_thread_worker = this;
    boost::fibers::use_scheduling_algorithm<PollingAlgorithm>(*this);
}

void Worker::uninstall() noexcept {
    boost::fibers::use_scheduling_algorithm<boost::fibers::algo::round_robin>();
    this_thread_worker = nullptr;
    stacks_.remove_signal_stack();
}

}  // namespace weft::detail
