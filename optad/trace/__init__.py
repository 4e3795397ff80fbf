"""Tracing: run a user's NumPy function on Tracer objects and record a Program."""
from .tracer import Tracer, Trace, bind, make_program_flat, TracerError, user_frame

__all__ = ["Tracer", "Trace", "bind", "make_program_flat", "TracerError", "user_frame"]
