"""Local tools behind make run / make discover (not deployed)."""
