"""``python -m bench``: the foundation benchmark (import, index build, naive baseline, search)."""

from bench.foundation import main

if __name__ == "__main__":
    raise SystemExit(main())
