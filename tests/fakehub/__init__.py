"""A fake Hugging Face Hub for the tests: a real HTTP server on 127.0.0.1."""

from .server import FakeHub, Fault

__all__ = ["FakeHub", "Fault"]
