"""Tests of langchain."""
