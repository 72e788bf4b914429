"""The engine: instances processed one episode at a time, in-process dispatch, timers, recovery."""
