"""The recipes against the real catalog (no test catalog here): each recipe the catalog can run
keeps every one of its mappings when started, so a renamed field in a catalog module shows up
here rather than as a draft with inputs quietly left to map."""

import pytest

from automations import recipes
from automations.catalog import registry
from automations.validation import automation_problems


def _available() -> list[recipes.Recipe]:
    return [r for r in recipes.RECIPES if not recipes.recipe_missing(r)]


@pytest.mark.parametrize("key", [r.key for r in recipes.RECIPES])
def test_a_recipe_the_catalog_can_run_fits_it_whole(key, db, firm):
    recipe = recipes.BY_KEY[key]
    if recipe not in _available():
        pytest.skip(f"the catalog lacks {', '.join(recipes.recipe_missing(recipe))} ids")
    problems = automation_problems(
        firm_id=firm.pk,
        name=recipe.name,
        trigger=recipe.trigger,
        conditions=[dict(c) for c in recipe.conditions],
        steps=[dict(s) for s in recipe.steps],
        complete=False,
    )
    assert problems == {}, (key, problems)
    for step in recipe.steps:
        action = registry.action(step["action"])
        required = {f.key for f in action.fields if f.required}
        mapped = set(step["inputs"]) | set(recipe.left_to_map)
        assert required <= mapped, (key, step["action"], required - mapped)
