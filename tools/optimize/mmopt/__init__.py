"""mm optimize: Optuna over the C++ backtester (the `mmpy` module). See docs/optimize.md."""
