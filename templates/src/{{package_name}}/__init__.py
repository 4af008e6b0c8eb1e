"""A post-training capstone project: run `python -m <this package> --help`."""
