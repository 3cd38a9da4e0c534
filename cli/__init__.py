"""The command-line entry point: it sits above `assistant`, `ingest` and `ui` so it may import all three."""
