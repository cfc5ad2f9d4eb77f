"""decide-sql decision programs: typed, grammar-constrained Guidance functions."""
