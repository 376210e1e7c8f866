"""Behaviour-level tests of the HTTP layer against a hostile server of our own."""
