from tests.automations.page_support import engine  # noqa: F401 (fixture)
from tests.automations.sandbox_world import world  # noqa: F401 (fixture)
