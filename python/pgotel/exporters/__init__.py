"""Where the engine's figures go: local snapshots, OTLP, Prometheus (opt-in)."""
