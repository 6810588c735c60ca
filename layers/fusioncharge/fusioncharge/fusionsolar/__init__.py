"""FusionSolar's Northbound API: the client a run uses, and the parts it is made of."""

from fusioncharge.fusionsolar.client import Credentials, FusionSolarClient

__all__ = ["Credentials", "FusionSolarClient"]
