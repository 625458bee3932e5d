"""dispatch112.env.Env: every helper fails loudly on a malformed value and names the variable."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from dispatch112.env import Env, redis_url_for_test_worker


@pytest.mark.parametrize("text", ["1", "true", "TRUE", "yes", "on", " True "])
def test_bool_accepts_true_spellings(text):
    assert Env({"DEBUG": text}).bool("DEBUG") is True


@pytest.mark.parametrize("text", ["0", "false", "False", "no", "off"])
def test_bool_accepts_false_spellings(text):
    assert Env({"DEBUG": text}).bool("DEBUG", default=True) is False


@pytest.mark.parametrize("text", ["maybe", "ja", "2", "t"])
def test_bool_rejects_anything_else(text):
    with pytest.raises(ImproperlyConfigured, match=rf"DEBUG='{text}' is not a boolean"):
        Env({"DEBUG": text}).bool("DEBUG")


@pytest.mark.parametrize("environ", [{}, {"DEBUG": ""}, {"DEBUG": "   "}])
def test_unset_or_empty_falls_back_to_the_default(environ):
    env = Env(environ)
    assert env.bool("DEBUG", default=True) is True
    assert env.int("DEBUG", 7) == 7
    assert env.str("DEBUG", "fallback") == "fallback"
    assert env.list("DEBUG", default=["a"]) == ["a"]
    assert env.url("DEBUG", schemes=("redis",)) is None


def test_int_reads_whole_numbers_within_bounds():
    env = Env({"LIMIT": " 12 "})
    assert env.int("LIMIT", 5, minimum=1, maximum=100) == 12


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "LOGIN_FAILURE_LIMIT='abc' is not a whole number"),
        ("2.5", "LOGIN_FAILURE_LIMIT='2.5' is not a whole number"),
        ("0", "LOGIN_FAILURE_LIMIT=0 is below the minimum 1"),
        ("1000", "LOGIN_FAILURE_LIMIT=1000 is above the maximum 100"),
    ],
)
def test_int_rejects_malformed_or_out_of_range(text, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        Env({"LOGIN_FAILURE_LIMIT": text}).int("LOGIN_FAILURE_LIMIT", 5, minimum=1, maximum=100)


def test_list_splits_on_commas_and_drops_blanks():
    env = Env({"ALLOWED_HOSTS": " 112.example.go.id, localhost,, ,127.0.0.1 "})
    assert env.list("ALLOWED_HOSTS") == ["112.example.go.id", "localhost", "127.0.0.1"]


def test_str_required_names_the_missing_variable():
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY must be set"):
        Env({}).str("SECRET_KEY", required=True)


@pytest.mark.parametrize("url", ["postgres://u:p@db:5432/d112", "postgresql://db/d112", "sqlite:////tmp/x.db"])
def test_url_accepts_the_allowed_schemes(url):
    assert Env({"DATABASE_URL": url}).url("DATABASE_URL", schemes=("postgres", "postgresql", "sqlite")) == url


@pytest.mark.parametrize("url", ["mysql://root@db/d112", "db.internal:5432"])
def test_url_rejects_other_schemes_naming_the_variable(url):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL must start with one of postgres://"):
        Env({"DATABASE_URL": url}).url("DATABASE_URL", schemes=("postgres", "postgresql", "sqlite"))


def test_value_can_come_from_a_file_named_by_name_file(tmp_path):
    secret = tmp_path / "secret_key"
    secret.write_text("  from-a-docker-secret\n", encoding="utf-8")
    limit = tmp_path / "limit"
    limit.write_text("9\n", encoding="utf-8")

    env = Env({"SECRET_KEY_FILE": str(secret), "LOGIN_FAILURE_LIMIT_FILE": str(limit)})

    assert env.str("SECRET_KEY") == "from-a-docker-secret"
    assert env.int("LOGIN_FAILURE_LIMIT") == 9
    assert env.is_set("SECRET_KEY") and not env.is_set("DEBUG")


def test_malformed_value_in_a_file_is_rejected_too(tmp_path):
    debug = tmp_path / "debug"
    debug.write_text("maybe", encoding="utf-8")
    with pytest.raises(ImproperlyConfigured, match="DEBUG='maybe' is not a boolean"):
        Env({"DEBUG_FILE": str(debug)}).bool("DEBUG")


def test_name_and_name_file_both_set_is_an_error(tmp_path):
    secret = tmp_path / "secret_key"
    secret.write_text("from-file", encoding="utf-8")
    with pytest.raises(ImproperlyConfigured, match="Set SECRET_KEY or SECRET_KEY_FILE, not both"):
        Env({"SECRET_KEY": "from-env", "SECRET_KEY_FILE": str(secret)}).str("SECRET_KEY")


def test_unreadable_name_file_is_an_error_naming_it(tmp_path):
    missing = tmp_path / "does-not-exist"
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY_FILE=.*does-not-exist.* cannot be read"):
        Env({"SECRET_KEY_FILE": str(missing)}).str("SECRET_KEY")


def test_reads_the_process_environment_by_default(monkeypatch):
    monkeypatch.setenv("DISPATCH112_TEST_FLAG", "on")
    assert Env().bool("DISPATCH112_TEST_FLAG") is True


@pytest.mark.parametrize(
    ("url", "worker", "expected"),
    [
        ("redis://127.0.0.1:6379/9", "gw0", "redis://127.0.0.1:6379/9"),
        ("redis://127.0.0.1:6379/9", "gw1", "redis://127.0.0.1:6379/10"),
        ("redis://127.0.0.1:6379", "gw2", "redis://127.0.0.1:6379/2"),
        ("rediss://:secret@cache:6380/3?ssl_cert_reqs=none", "gw1", "rediss://:secret@cache:6380/4?ssl_cert_reqs=none"),
        ("redis://cache/4?db=7", "gw1", "redis://cache/4?db=8"),
        ("unix:///run/redis.sock?db=2", "gw1", "unix:///run/redis.sock?db=3"),
        ("unix:///run/redis.sock", "gw1", "unix:///run/redis.sock?db=1"),
        ("redis://127.0.0.1:6379/9", None, "redis://127.0.0.1:6379/9"),
        ("redis://127.0.0.1:6379/9", "master", "redis://127.0.0.1:6379/9"),
        (None, "gw1", None),
    ],
)
def test_each_parallel_test_worker_has_a_redis_database_of_its_own(url, worker, expected):
    assert redis_url_for_test_worker(url, worker) == expected
