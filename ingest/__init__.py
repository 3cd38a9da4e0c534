"""Ingestion: load, clean, chunk, embed and index corpus documents into Chroma."""
