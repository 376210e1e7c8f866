"""Tests of llama_index."""
