"""The TOTP algorithm against the RFCs' own test vectors, and the secret's sealing at rest."""

import hashlib
from urllib.parse import parse_qs, urlparse

import pytest
from cryptography.fernet import InvalidToken
from django.test import override_settings

from accounts import sealing, totp

SHA1_KEY = b"12345678901234567890"
SHA256_KEY = b"12345678901234567890123456789012"
SHA512_KEY = b"1234567890" * 6 + b"1234"

# RFC 6238, appendix B: (time, SHA-1, SHA-256, SHA-512), 8 digits.
RFC6238 = [
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]


@pytest.mark.parametrize(("unix_time", "sha1", "sha256", "sha512"), RFC6238)
def test_rfc6238_test_vectors(unix_time, sha1, sha256, sha512):
    assert totp.totp(SHA1_KEY, unix_time, digits=8) == sha1
    assert totp.totp(SHA256_KEY, unix_time, digits=8, digest=hashlib.sha256) == sha256
    assert totp.totp(SHA512_KEY, unix_time, digits=8, digest=hashlib.sha512) == sha512


def test_rfc4226_hotp_test_vectors():
    expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]
    assert [totp.hotp(SHA1_KEY, counter) for counter in range(10)] == expected


def test_a_code_is_accepted_one_step_either_side_and_no_further():
    now = 1_700_000_015
    step = totp.time_step(now)
    for offset in (-1, 0, 1):
        assert totp.matching_step(SHA1_KEY, totp.hotp(SHA1_KEY, step + offset), now) == step + offset
    for offset in (-2, 2):
        assert totp.matching_step(SHA1_KEY, totp.hotp(SHA1_KEY, step + offset), now) is None


def test_a_new_secret_is_160_random_bits_in_base32():
    first, second = totp.new_secret(), totp.new_secret()
    assert first != second
    assert len(totp.secret_bytes(first)) == 20
    assert totp.secret_bytes(first.lower()[:8] + " " + first.lower()[8:]) == totp.secret_bytes(first)


def test_the_provisioning_uri_names_the_center_and_the_account():
    uri = urlparse(totp.provisioning_uri("JBSWY3DPEHPK3PXP", account="sari", issuer="Command Center 112 Kota Samarinda"))
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert uri.path == "/Command%20Center%20112%20Kota%20Samarinda%3Asari"
    assert parse_qs(uri.query) == {
        "secret": ["JBSWY3DPEHPK3PXP"], "issuer": ["Command Center 112 Kota Samarinda"],
        "algorithm": ["SHA1"], "digits": ["6"], "period": ["30"],
    }


def test_a_sealed_secret_does_not_contain_it_and_survives_a_secret_key_rotation(settings):
    sealed = sealing.seal("JBSWY3DPEHPK3PXP")
    assert "JBSWY3DPEHPK3PXP" not in sealed
    old_key = settings.SECRET_KEY
    with override_settings(SECRET_KEY="a-new-key-" + "y" * 40, SECRET_KEY_FALLBACKS=[old_key]):
        assert sealing.unseal(sealed) == "JBSWY3DPEHPK3PXP"
    with override_settings(SECRET_KEY="a-new-key-" + "y" * 40, SECRET_KEY_FALLBACKS=[]):
        with pytest.raises(InvalidToken):
            sealing.unseal(sealed)
