"""What a run says in the log on its way: each reading left out (every run: each is a lost
measurement), and the facts about a plant (where it is, a meter's unit, a capacity in doubt),
said once a container so a warm container does not repeat them every 5 minutes."""

import logging

from fusioncharge.accounting.site_meters import Accounting, SitePlant
from fusioncharge.run.result import RunResult

logger = logging.getLogger(__name__)


class RunLog:
    """The log of one container's runs: the caller keeps one per container (the handler's
    Wiring), so what it said once is not said again until a new container starts."""

    def __init__(self) -> None:
        self.told: set[str] = set()  # the facts already logged (said once, not each run)

    def plants(self, plants: list[SitePlant], result: RunResult) -> None:
        """What the user should hear about where the plants are (sun.py): a WARNING once a
        container, and in every run's summary line (`make status` shows it)."""
        result.plant_notices = [p.notice for p in plants if p.notice is not None]
        for notice in result.plant_notices:
            if self._first(notice):
                logger.warning(notice)

    def accounting(self, accounting: Accounting, result: RunResult) -> None:
        """A WARNING per reading left out (every run: each is a lost measurement), a choice
        once."""
        for dropped in accounting.dropped:
            logger.warning("reading left out: %s", dropped)
        for warning in accounting.warnings:
            logger.warning(warning)
        result.implausible_readings += len(accounting.dropped)
        for key, note in accounting.notes:
            if self._first(key):
                logger.info(note)
        for key, caution in accounting.cautions:  # a fact about the plant: once a container
            if self._first(key):
                logger.warning(caution)

    def _first(self, key: str) -> bool:
        """True the first time this container says `key`."""
        if key in self.told:
            return False
        self.told.add(key)
        return True
