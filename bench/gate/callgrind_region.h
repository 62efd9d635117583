#pragma once
// The measured region of one gate scenario, marked for callgrind with client requests.
//
// Why client requests rather than --toggle-collect on a function name: a scenario's loop is one call site
// among set-up, warm-up and checks, and its hot functions are inlined at -O2; the requests bracket exactly
// the loop, so the count is the work of the iterations and nothing else. Outside valgrind every request is
// a few no-op instructions, so the same binary also runs natively (the ratios).
//
// Protocol (perf_gate.py runs valgrind with --instr-atstart=no --collect-atstart=no): begin_region()
// starts instrumentation and collection; end_region(name) stops collection, writes one callgrind dump whose
// description names the scenario ("Client Request: <name>") and stops instrumentation again, so set-up
// between regions runs at valgrind's uninstrumented speed.
namespace mm::gate {

void begin_region() noexcept;
void end_region(const char* name) noexcept;

// True when the process runs under valgrind.
bool under_valgrind() noexcept;

}  // namespace mm::gate
