"""The evcc recipe (docs/evcc.md) against the real Home Assistant: every entity it names exists
there under that id, with the unit the page says, read as evcc reads it (/api/states/<id>)."""

from tests.homeassistant.conftest import HomeAssistant
from tests.support.hass_package import evcc_claims, evcc_recipe, recipe_entities


def test_the_recipes_entities_exist_with_the_units_the_page_says(home_assistant: HomeAssistant):
    units = {claim["entity"]: claim["unit"] for claim in evcc_claims()}
    for entity in sorted(recipe_entities(evcc_recipe())):
        state = home_assistant.state(entity)
        assert state, f"{entity} is not an entity of the package in Home Assistant"
        assert state["attributes"].get("unit_of_measurement") == units[entity], state
