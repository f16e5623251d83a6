"""Encryption at rest of social security numbers (app.core.crypto) and its keys' settings."""

import base64

import pytest
from pydantic import ValidationError

from app.config import Settings, new_nir_key
from app.core.crypto import FieldCipher, UndecryptableValue

NIR = "185057800608491"
OLD = ("old", b"o" * 32)
NEW = ("new", b"n" * 32)


def test_a_value_is_stored_with_its_key_id_and_reads_back():
    cipher = FieldCipher([OLD])
    stored = cipher.encrypt(NIR)
    assert stored.startswith("v1:old:")
    assert NIR not in stored and NIR[:7] not in base64.b64decode(stored.split(":")[2]).hex()
    assert cipher.decrypt(stored) == NIR


def test_the_same_value_encrypts_differently_each_time():
    cipher = FieldCipher([OLD])
    assert cipher.encrypt(NIR) != cipher.encrypt(NIR)


def test_after_rotation_old_values_read_and_new_ones_use_the_first_key():
    written_before = FieldCipher([OLD]).encrypt(NIR)
    rotated = FieldCipher([NEW, OLD])
    assert rotated.decrypt(written_before) == NIR
    assert rotated.encrypt(NIR).startswith("v1:new:")


def test_a_value_of_a_key_no_longer_configured_does_not_read():
    written = FieldCipher([OLD]).encrypt(NIR)
    with pytest.raises(UndecryptableValue, match="no key 'old'"):
        FieldCipher([NEW]).decrypt(written)


@pytest.mark.parametrize("change", ["body", "key_id", "version"])
def test_an_altered_value_does_not_read(change):
    cipher = FieldCipher([NEW, OLD])
    version, kid, body = cipher.encrypt(NIR).split(":")
    raw = bytearray(base64.b64decode(body))
    raw[-1] ^= 1
    altered = {
        "body": f"{version}:{kid}:{base64.b64encode(bytes(raw)).decode()}",
        "key_id": f"{version}:old:{body}",  # the key id is authenticated with the value
        "version": f"v2:{kid}:{body}",
    }[change]
    with pytest.raises(UndecryptableValue):
        cipher.decrypt(altered)


# --- settings ------------------------------------------------------------------------------


def settings(tmp_path, **values):
    return Settings(data_dir=tmp_path, jwt_secret="s" * 32, **values)


def test_production_refuses_to_start_without_nir_keys(tmp_path, monkeypatch):
    monkeypatch.delenv("NIR_ENCRYPTION_KEYS", raising=False)
    with pytest.raises(ValidationError, match="NIR_ENCRYPTION_KEYS is required in production"):
        settings(tmp_path, environment="production")
    assert not (tmp_path / "nir-key").exists()


def test_development_generates_one_key_and_every_start_reuses_it(tmp_path, monkeypatch):
    monkeypatch.delenv("NIR_ENCRYPTION_KEYS", raising=False)
    first, second = settings(tmp_path), settings(tmp_path)
    assert first.nir_encryption_keys == second.nir_encryption_keys
    [(kid, key)] = first.nir_keys
    assert kid == "dev" and len(key) == 32
    assert (tmp_path / "nir-key").read_text().strip() == first.nir_encryption_keys[0]
    assert (tmp_path / "nir-key").stat().st_mode & 0o077 == 0


def test_keys_are_read_from_a_comma_separated_variable_first_one_first(tmp_path, monkeypatch):
    new, old = new_nir_key("k2"), new_nir_key("k1")
    monkeypatch.setenv("NIR_ENCRYPTION_KEYS", f"{new}, {old}")
    assert [kid for kid, _ in settings(tmp_path).nir_keys] == ["k2", "k1"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("k1" + base64.b64encode(b"x" * 32).decode(), "kid:base64key"),
        ("bad id:" + base64.b64encode(b"x" * 32).decode(), "kid:base64key"),
        ("k1:not base64!", "not base64"),
        ("k1:" + base64.b64encode(b"x" * 16).decode(), "must be 32 bytes"),
    ],
)
def test_a_malformed_key_is_refused_without_showing_it(tmp_path, entry, message):
    with pytest.raises(ValidationError, match=message) as raised:
        settings(tmp_path, nir_encryption_keys=[entry])
    assert entry not in str(raised.value) and entry[3:] not in str(raised.value)


def test_a_key_id_given_twice_is_refused(tmp_path):
    with pytest.raises(ValidationError, match="k1 appears twice"):
        settings(tmp_path, nir_encryption_keys=[new_nir_key("k1"), new_nir_key("k1")])
