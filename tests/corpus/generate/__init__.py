"""Generator of the fingerprint corpus in tests/corpus: run `python -m tests.corpus.generate`."""
