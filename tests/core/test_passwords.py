"""The password policy: Django's four validators, wherever a password is set."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from cityloop.core.actions import create_user
from cityloop.core.models import AuditEntry, User


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short-1", "too short"),
        ("password1234", "too common"),
        ("839201746351", "entirely numeric"),
        ("clerk.wang@example.org", "too similar"),
    ],
)
def test_create_user_refuses_a_weak_password_naming_the_field(
    actor: User, password: str, reason: str
) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        create_user(actor=actor, username="clerk.wang", email="clerk.wang@example.org", password=password)
    assert reason in " ".join(refused.value.message_dict["password"])
    assert not User.objects.filter(username="clerk.wang").exists()
    assert not AuditEntry.objects.filter(action="user.create").exists()


@pytest.mark.parametrize("password", ["short-1", "password1234", "839201746351", "clerk.wang@example.org"])
def test_the_message_is_chinese_in_the_console_language(actor: User, password: str) -> None:
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        create_user(actor=actor, username="clerk.wang", email="clerk.wang@example.org", password=password)
    message = " ".join(refused.value.message_dict["password"])
    assert "密码" in message
    assert not re.search("[A-Za-z]", message), message


def test_a_good_password_is_taken_and_hashed_with_a_salt_of_its_own(actor: User, settings: Any) -> None:
    first = create_user(actor=actor, username="first", password="harbour-lights-2026")
    second = create_user(actor=actor, username="second", password="harbour-lights-2026")
    assert first.check_password("harbour-lights-2026")
    assert first.password != second.password


def test_the_policy_is_django_s_four_validators(settings: Any) -> None:
    names = [v["NAME"].rsplit(".", 1)[1] for v in settings.AUTH_PASSWORD_VALIDATORS]
    assert names == [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    ]


def test_a_sign_in_remakes_an_older_hash_with_argon2(db, settings):
    from django.contrib.auth.hashers import make_password
    from django.test import Client

    from cityloop.core.models import User

    settings.PASSWORD_HASHERS = [
        "cityloop.core.hashers.Argon2Hasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    password = "a long enough pass phrase 2026"
    user = User.objects.create(username="older", password=make_password(password, hasher="pbkdf2_sha256"))
    assert user.password.startswith("pbkdf2_sha256$")
    assert Client().post("/login/", {"username": "older", "password": password}).status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$v=19$m=47104,t=1,p=1$")
