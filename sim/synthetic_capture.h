#pragma once
// Synthetic capture files: the market generator's stream preceded by an instruments-info response for the
// generated symbol, so the file is self-describing (replay, backtest and the simulator need no other input).
// In sim/ because `mm gen`, `mm sim --gen` and the live node's embedded simulator ([sim] gen_seconds) all
// write one.
#include <string>

#include "sim/market_generator.h"

namespace mm {

// The GET /v5/market/instruments-info response (linear shape) that describes p's instrument.
std::string synthetic_instruments_body(const GenParams& p);

// Creates `path` (flag kCaptureFlagSynthetic), writes the instruments response then the stream, closes.
// Errors as generate_market_file: status kInvalid for bad params, kIo for file errors (message says which).
[[nodiscard]] GenResult write_synthetic_capture(const GenParams& p, const std::string& path);

}  // namespace mm
