"""Benchmarks: each row compares Kontakt with a baseline measured in the same run."""
