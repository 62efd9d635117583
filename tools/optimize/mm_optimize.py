#!/usr/bin/python3
"""Entry point of `mm optimize` (the mm command execs /usr/bin/python3 on this file). See docs/optimize.md.

Run directly: PYTHONPATH=<dir with mmpy*.so> /usr/bin/python3 tools/optimize/mm_optimize.py --space ... """
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

if __name__ == "__main__":
    try:
        from mmopt.cli import main  # noqa: E402
        code = main()
    except KeyboardInterrupt:  # before main() took over (imports): still no traceback
        print("mm optimize: interrupted", file=sys.stderr)
        code = 130
    sys.exit(code)
