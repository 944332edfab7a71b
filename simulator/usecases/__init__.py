"""What a user does with patientsim that spans the session engine and the judges, above both
`simulator.session` and `simulator.judges`:

- `simulator.usecases.run_and_judge`: run (or resume, or fork) a session, then judge it;
  the CLI, the TUI and the sweep executor share it. It loads the session engine (langgraph).
- `simulator.usecases.summary`: a stored session with its judging, as the CLI prints it;
  light enough for commands that only read the store.

Import the module you need: this face re-exports nothing, so that reading a summary never
loads the session engine.
"""
