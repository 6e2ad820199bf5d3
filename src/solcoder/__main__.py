"""Allows `python -m solcoder`."""

from solcoder.cli.main import main

if __name__ == "__main__":
    main()
