"""Browser fixtures: Playwright driving the system Chromium (Debian package `chromium`).

Without Chromium the browser tests are skipped on a laptop, and fail under CI=true, where a
missing browser means a broken CI image rather than a choice.
"""


import pytest

from tests.conftest import REPO_ROOT

VIEWPORT = {"width": 1366, "height": 768}  # the operators' desktop screens
ARTIFACTS = REPO_ROOT / "test-artifacts"


@pytest.fixture
def page(browser):
    # An Indonesian operator's browser: Accept-Language id, WITA clock.
    context = browser.new_context(viewport=VIEWPORT, locale="id-ID", timezone_id="Asia/Makassar")
    context.set_default_timeout(10_000)
    page = context.new_page()
    # The pages' Content Security Policy (dispatch112/csp.py): Chromium writes every refusal
    # ("Refused to apply inline style …") to the console; any one fails the test.
    refused = []
    page.on("console", lambda message: refused.append(f"{page.url}: {message.text}") if "Content Security Policy" in message.text else None)
    yield page
    # Leave the page first: its timers and fetches stop before the test's database is flushed
    # (a console request the live server is still answering can deadlock with the flush's TRUNCATE).
    try:
        page.goto("about:blank")
        page.wait_for_timeout(200)
    except Exception:  # the page closed or crashed: the test says why
        pass
    context.close()
    assert refused == [], "\n".join(refused)


@pytest.fixture
def screenshot(page):
    """`screenshot("name")` saves test-artifacts/name.png (gitignored) for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name):
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=False)
        return path

    return take


@pytest.fixture
def demo(transactional_db):
    """The demo data `make run` loads; browser tests run against a live server, so they commit.

    Transactional tests flush every table afterwards, the role groups the migrations made
    included; seed_core() puts those back itself (dispatch112.roles.ensure_role_groups).
    """
    from dispatch112.demo import seed_core

    seed_core()
