from pathlib import Path

from simulator.models.config import DEFAULT_MODEL, load_settings


def test_defaults_are_the_embedded_model(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for var in ("PATIENTSIM_THERAPIST_MODEL", "PATIENTSIM_JUDGES", "PATIENTSIM_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    settings = load_settings()
    assert (
        settings.therapist.model
        == settings.patient.model
        == settings.tracker.model
        == DEFAULT_MODEL
    )
    assert [j.model for j in settings.judges] == [DEFAULT_MODEL] * 3


def test_flags_beat_environment_beat_toml(monkeypatch, tmp_path: Path):
    toml = tmp_path / "patientsim.toml"
    toml.write_text(
        '[models.therapist]\nmodel = "openai/from-toml"\napi_key_env = "MY_KEY"\n'
        '[models.patient]\nmodel = "ollama/patient-toml"\napi_base = "http://127.0.0.1:11434"\n'
        '[models.judges]\nmodels = ["a/one", "b/two"]\n'
    )
    monkeypatch.setenv("PATIENTSIM_CONFIG", str(toml))
    monkeypatch.setenv("PATIENTSIM_THERAPIST_MODEL", "openai/from-env")
    monkeypatch.delenv("PATIENTSIM_JUDGES", raising=False)
    settings = load_settings({"therapist": None, "patient": None})
    assert settings.therapist.model == "openai/from-env"
    assert settings.therapist.api_key_env == "MY_KEY"  # the variable's name, never its value
    assert settings.patient.model == "ollama/patient-toml"
    assert settings.patient.api_base == "http://127.0.0.1:11434"
    assert [j.model for j in settings.judges] == ["a/one", "b/two"]
    settings = load_settings(
        {"therapist": "scripted/adherent"}, judges_flag="scripted/judge,scripted/judge"
    )
    assert settings.therapist.model == "scripted/adherent"
    assert [j.model for j in settings.judges] == ["scripted/judge", "scripted/judge"]
