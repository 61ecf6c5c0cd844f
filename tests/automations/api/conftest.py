from tests.automations.page_support import engine  # noqa: F401 (fixture)
