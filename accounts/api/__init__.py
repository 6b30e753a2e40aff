"""The REST API of accounts, one module per resource; the viewsets the router mounts."""

from .accounts import AccountViewSet
from .activities import ActivityViewSet
from .contacts import ContactViewSet
from .import_export import AccountExportViewSet, ContactExportViewSet, ImportBatchViewSet
from .opportunities import OpportunityViewSet
from .saved_views import SavedViewViewSet
from .signals import SignalViewSet
from .technologies import AccountTechnologyViewSet, TechnologyViewSet

__all__ = [
    "AccountExportViewSet",
    "AccountTechnologyViewSet",
    "AccountViewSet",
    "ActivityViewSet",
    "ContactExportViewSet",
    "ContactViewSet",
    "ImportBatchViewSet",
    "OpportunityViewSet",
    "SavedViewViewSet",
    "SignalViewSet",
    "TechnologyViewSet",
]
