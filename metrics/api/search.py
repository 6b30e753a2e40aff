"""``GET /search/?q=``: the global search (accounts, contacts, plays), as JSON or the header's dropdown."""

from urllib.parse import urlencode

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.viewsets import ViewSet

from abs_platform.tenancy.models import Role
from abs_platform.web.renderers import HtmxFragmentRenderer
from abs_platform.web.schema import AutoSchema
from plays.models import PlayKind

from ..search import RESULTS_PER_KIND, global_search


class SearchHitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    detail = serializers.CharField(help_text="The domain; a contact's title and account; a play's kind.")
    url = serializers.CharField(help_text="Its page in the workspace.")


class SearchGroupSerializer(serializers.Serializer):
    results = SearchHitSerializer(many=True)
    more = serializers.BooleanField(help_text=f"More than {RESULTS_PER_KIND} match.")
    more_url = serializers.CharField(allow_null=True, help_text="The list page showing every match, if any.")


class SearchSerializer(serializers.Serializer):
    q = serializers.CharField()
    accounts = SearchGroupSerializer()
    contacts = SearchGroupSerializer()
    plays = SearchGroupSerializer()


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=100, allow_blank=True, trim_whitespace=True)


class _OneObjectSchema(AutoSchema):
    """The search answers one object (its groups), although the router's list route serves it."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


class SearchViewSet(ViewSet):
    """Accounts (name, domain), contacts (name, e-mail, title) and plays (name) matching every word of ``q``;
    at most five of each, with links to their pages. Fewer than two characters find nothing."""

    read_role = Role.VIEWER
    schema = _OneObjectSchema()
    renderer_classes = [JSONRenderer, HtmxFragmentRenderer]

    def get_write_role(self):
        return Role.ADMIN

    def get_fragment_template(self, response) -> str:
        return "metrics/search.html" if response.status_code < 400 else "partials/error.html"

    def get_fragment_context(self, data, response) -> dict:
        return {"data": data, "status": response.status_code}

    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True, description="Words to find (2–100 characters).")],
        responses=SearchSerializer,
    )
    def list(self, request, *args, **kwargs):
        unknown = sorted(set(request.query_params) - {"q", "format"})
        if unknown:
            raise ValidationError({name: ["Unknown parameter."] for name in unknown})
        query = SearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data["q"]
        found = global_search(q)
        slug = request.tenant.slug

        def url(name, *args, query=""):
            return reverse(name, args=[slug, *args]) + (f"?{urlencode({'search': query})}" if query else "")

        def group(kind, hits, list_url=None):
            rows, more = found[kind]
            return {"results": [hits(row) for row in rows], "more": more, "more_url": list_url if more else None}

        return Response(
            {
                "q": q,
                "accounts": group(
                    "accounts",
                    lambda row: {
                        "id": row["id"],
                        "name": row["name"],
                        "detail": row["domain"],
                        "url": url("accounts:account", row["id"]),
                    },
                    url("accounts:page", query=q),
                ),
                "contacts": group(
                    "contacts",
                    lambda row: {
                        "id": row["id"],
                        "name": f"{row['first_name']} {row['last_name']}".strip(),
                        "detail": " · ".join(filter(None, [row["title"], row["account__name"]])),
                        "url": url("accounts:account", row["account_id"]),
                    },
                    url("contacts:page", query=q),
                ),
                "plays": group(
                    "plays",
                    lambda row: {
                        "id": row["id"],
                        "name": row["name"],
                        "detail": PlayKind(row["kind"]).label,
                        "url": url("plays:page"),
                    },
                ),
            }
        )
