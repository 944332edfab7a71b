"""`scripted/<name>`: deterministic, instant, offline test doubles and reference behaviours."""
