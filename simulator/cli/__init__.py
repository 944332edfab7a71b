"""Command-line interface. Each command group lives in its own module; heavy imports stay inside functions."""
