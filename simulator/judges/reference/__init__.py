"""Reference transcripts for `patientsim judge calibrate` (data only: one YAML file per session)."""
