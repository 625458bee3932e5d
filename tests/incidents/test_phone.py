"""Caller numbers: Indonesian numbers in any usual spelling become one E.164 form; 112 can be
dialled without a SIM, so no number at all is fine; anything else is refused, naming the field."""

import pytest
from django.core.exceptions import ValidationError

from incidents.phone import mask_phone, normalise_phone


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("081234567890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("+6281234567890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("0812-3456-7890", "+6281234567890"),
        ("  0812 3456 7890  ", "+6281234567890"),
        ("0541 7412345", "+625417412345"),  # a Samarinda landline
        ("0541-7412345", "+625417412345"),
        ("(0541) 7412345", "+625417412345"),
        ("0541 123456", "+62541123456"),
    ],
)
def test_indonesian_numbers_in_every_usual_spelling_become_one_e164_form(typed, stored):
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize("typed", ["", "   ", None])
def test_no_number_is_allowed_because_112_works_without_a_sim(typed):
    assert normalise_phone(typed) == ""


@pytest.mark.parametrize(
    "typed",
    [
        "0812abc4567",  # letters
        "nomor saya 0812",
        "0812",  # too short
        "62812",
        "112",  # the emergency number itself is not a caller's number
        "081234567890123",  # too long for a mobile
        "1" * 40,
    ],
)
def test_things_that_are_not_phone_numbers_are_refused_naming_the_field(typed):
    with pytest.raises(ValidationError) as excinfo:
        normalise_phone(typed)

    assert set(excinfo.value.message_dict) == {"caller_number"}


def test_refusal_names_the_field_the_caller_asked_about():
    with pytest.raises(ValidationError) as excinfo:
        normalise_phone("abc", field="number")

    assert set(excinfo.value.message_dict) == {"number"}


def test_mask_keeps_the_operator_prefix_and_last_three_digits_only():
    masked = mask_phone("+6281234567890")

    assert masked == "+62812•••••890"
    assert "3456" not in masked
    assert len(masked) == len("+6281234567890")


def test_mask_of_a_short_landline_still_hides_the_middle():
    masked = mask_phone("+62541123456")

    assert masked == "+62541•••456"


def test_mask_of_no_number_is_empty():
    assert mask_phone("") == ""
