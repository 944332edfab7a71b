"""Provider errors that echo the request never carry a key into the DB, logs or output."""

from __future__ import annotations

from simulator.models.errors import ModelError, short_error
from simulator.models.redaction import redact


def test_bearer_tokens_sk_keys_and_key_pairs_are_masked():
    text = (
        "401: headers={'Authorization': 'Bearer abcdefghijklmnop123'} "
        "body used sk-proj-AAAABBBBCCCCDDDD1234 and api_key=zzzzyyyyxxxx9"
    )
    cleaned = redact(text)
    for secret in ("abcdefghijklmnop123", "sk-proj-AAAABBBBCCCCDDDD1234", "zzzzyyyyxxxx9"):
        assert secret.removeprefix("sk-") not in cleaned
    assert "401" in cleaned and "[redacted]" in cleaned


def test_the_value_of_a_configured_key_variable_is_masked_wherever_it_appears(monkeypatch):
    monkeypatch.setenv("MY_PROVIDER_API_KEY", "plain-looking-secret-value")
    error = RuntimeError("request failed: x-custom=plain-looking-secret-value")
    assert "plain-looking-secret-value" not in short_error(error)
    model_error = ModelError("therapist", "openai/x", str(error))
    assert "plain-looking-secret-value" not in str(model_error)
    assert "plain-looking-secret-value" not in model_error.message


def test_ordinary_error_text_is_left_alone():
    text = "Rate limit reached for gpt-4o-mini; retry after 2 s (429)"
    assert redact(text) == text
