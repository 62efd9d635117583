"""Errors that end `mm optimize` with a clear message and the exit code the mm command uses."""


class InputError(Exception):
    """Bad input (flags, space file, base config, data paths): exit 2, nothing written."""

    exit_code = 2


class RunError(Exception):
    """The run failed after its inputs were accepted (backend missing, every trial failed): exit 1."""

    exit_code = 1
