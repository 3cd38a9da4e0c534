"""The assistant: configuration, store, retrieval, answering, evaluation and CLI."""
