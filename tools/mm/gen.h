#pragma once
// The synthetic capture writer moved to sim/synthetic_capture.h (the runtime's embedded simulator uses it
// too); these names keep the tools' spelling.
#include "sim/synthetic_capture.h"

namespace mm::tools {

using mm::synthetic_instruments_body;
using mm::write_synthetic_capture;

}  // namespace mm::tools
