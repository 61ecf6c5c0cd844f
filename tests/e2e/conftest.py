import pytest

from tests.automations.sandbox_world import world  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def context(context):
    """Every browser test also proves its pages run under the Content-Security-Policy: a blocked
    script, style, image or form, or an uncaught script error, fails the test."""
    problems: list[str] = []

    def on_console(message) -> None:
        text = message.text
        if message.type == "error" and ("Content Security Policy" in text or "Refused to" in text):
            problems.append(text)

    context.on("console", on_console)
    context.on("weberror", lambda error: problems.append(f"script error: {error.error}"))
    yield context
    assert not problems, "\n".join(problems)
