"""Benchmarks (`make bench`): each prints its figures and ratios."""
