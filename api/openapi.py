"""The OpenAPI 3.1 document for the open data API, kept by hand beside the views.

Written out rather than generated: the views are plain Django views that reuse the site's
conditional-GET, rate-limit and client-address helpers, and the document is the contract
clients build on. The tests hold the two together: schemathesis calls every operation
against a real gunicorn and checks each answer against this document, and the unit tests
validate answers with every object closed (``additionalProperties: false``), so a field
added to a view but not here fails the build. The published document leaves objects open,
so that clients generated from it accept fields added later (``history``, for one).
"""

from __future__ import annotations

from django.conf import settings

from api.forms import (
    DEFAULT_PER_PAGE,
    MAX_DIMENSION,
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_SLUG_LENGTH,
    MAX_URL_LENGTH,
)
from tools.logos import RENDITIONS
from tools.models import EntryPrice
from tools.verdicts import PanelVerdict, Verdict

API_VERSION = "1.0.0"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict) -> dict:
    return {"oneOf": [schema, {"type": "null"}]}


def _object(properties: dict, description: str = "") -> dict:
    schema = {"type": "object", "required": list(properties), "properties": properties}
    if description:
        schema["description"] = description
    return schema


URL = {"type": "string", "format": "uri"}
DATE_TIME = {"type": "string", "format": "date-time"}
COUNT = {"type": "integer", "minimum": 0}
PERCENT = {"type": ["integer", "null"], "minimum": 0, "maximum": 100}


def schemas() -> dict:
    """Read at each request: descriptions quote the current settings."""
    return {
        "Category": _object(
            {"slug": {"type": "string"}, "name": {"type": "string"}, "url": URL},
        ),
        "CategoryWithCount": {
            "allOf": [
                _ref("Category"),
                _object(
                    {
                        "tools": {**COUNT, "description": "Published tools in the category."},
                        "tools_url": URL,
                    }
                ),
            ]
        },
        "Panel": _object(
            {
                "verdict": {
                    "type": "string",
                    "enum": PanelVerdict.values,
                    "description": "ship when ships > skips, skip when skips > ships, split on a "
                    f"tie; pending until {settings.SHIPORSKIP_MIN_PANEL_REVIEWS} reviews are "
                    "published.",
                },
                "ships": COUNT,
                "skips": COUNT,
                "reviews": COUNT,
                "ship_percent": {**PERCENT, "description": "null before the first review."},
                "average_score": {
                    "type": ["number", "null"],
                    "minimum": 0,
                    "maximum": 100,
                    "description": "Mean of the published scores, one decimal; null before the "
                    "first review.",
                },
            },
            "The panel of critics: published reviews only.",
        ),
        "Community": _object(
            {
                "ships": COUNT,
                "skips": COUNT,
                "votes": COUNT,
                "ship_percent": {
                    **PERCENT,
                    "description": "null until "
                    f"{settings.SHIPORSKIP_MIN_COMMUNITY_VOTES} votes are counted.",
                },
            },
            "Counted community votes (votes set aside by the stuffing checks never count).",
        ),
        "Logo": _nullable(
            {
                "type": "object",
                "description": "Square PNG renditions by size in pixels; their URLs change "
                "whenever the logo does, so they may be cached for good.",
                "required": [str(size) for size in RENDITIONS],
                "properties": {str(size): URL for size in RENDITIONS},
            }
        ),
        "ToolSummary": _object(
            {
                "slug": {"type": "string"},
                "name": {"type": "string"},
                "tagline": {"type": "string"},
                "category": _ref("Category"),
                "entry_price": {"type": "string", "enum": EntryPrice.values},
                "logo": _ref("Logo"),
                "panel": _ref("Panel"),
                "community": _ref("Community"),
                "published_at": DATE_TIME,
                "url": {**URL, "description": "The tool's page."},
                "api_url": URL,
            }
        ),
        "Critic": _object(
            {
                "slug": {"type": "string"},
                "name": {"type": "string"},
                "lens": {"type": "string", "description": "What this critic judges."},
                "url": URL,
            }
        ),
        "Review": _object(
            {
                "critic": _ref("Critic"),
                "score": {"type": "integer", "minimum": 0, "maximum": 100},
                "verdict": {"type": "string", "enum": Verdict.values},
                "body": {"type": "string"},
                "published_at": DATE_TIME,
            }
        ),
        "Tool": {
            "allOf": [
                _ref("ToolSummary"),
                _object(
                    {
                        "pricing": {"type": "string"},
                        "best_for": {"type": "string"},
                        "description": {"type": "string", "description": "The panel's take."},
                        "vendor": {"type": "string"},
                        "website": {"type": "string"},
                        "updated_at": DATE_TIME,
                        "reviews": {
                            "type": "array",
                            "items": _ref("Review"),
                            "description": "Every published review, in panel order.",
                        },
                        "badge_url": URL,
                        "embed_url": URL,
                    }
                ),
            ]
        },
        "ToolPage": _object(
            {
                "count": COUNT,
                "page": {"type": "integer", "minimum": 1},
                "pages": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                "next": _nullable(URL),
                "previous": _nullable(URL),
                "results": {"type": "array", "items": _ref("ToolSummary")},
            }
        ),
        "CategoryList": _object({"results": {"type": "array", "items": _ref("CategoryWithCount")}}),
        "ScoreAndVerdict": _nullable(
            _object(
                {
                    "score": {"type": "integer", "minimum": 0, "maximum": 100},
                    "verdict": {"type": "string", "enum": Verdict.values},
                }
            )
        ),
        "Comparison": _object(
            {
                "pair": {"type": "string", "description": "The two slugs, sorted, joined by -vs-."},
                "url": URL,
                "tools": {
                    "type": "array",
                    "items": _ref("ToolSummary"),
                    "minItems": 2,
                    "maxItems": 2,
                },
                "leaders": _object(
                    {
                        name: _nullable({"type": "string", "description": "The leader's slug."})
                        for name in (
                            "panel_ship_percent",
                            "average_score",
                            "community_ship_percent",
                        )
                    },
                    "Which tool leads each measured figure; null on a tie or a missing figure.",
                ),
                "scorecard": {
                    "type": "array",
                    "items": _object(
                        {
                            "critic": _ref("Critic"),
                            "reviews": {
                                "type": "array",
                                "items": _ref("ScoreAndVerdict"),
                                "minItems": 2,
                                "maxItems": 2,
                                "description": "The critic's review of each tool, in the "
                                "order of tools; null where there is none.",
                            },
                        }
                    ),
                },
            }
        ),
        "OEmbed": {
            "type": "object",
            "description": "An oEmbed 1.0 rich answer; the thumbnail (the share image) is "
            "given only when it fits maxwidth and maxheight.",
            "required": [
                "version",
                "type",
                "provider_name",
                "provider_url",
                "title",
                "html",
                "width",
                "height",
                "cache_age",
            ],
            "properties": {
                "version": {"type": "string", "const": "1.0"},
                "type": {"type": "string", "const": "rich"},
                "provider_name": {"type": "string"},
                "provider_url": URL,
                "title": {"type": "string"},
                "html": {"type": "string", "description": "The verdict card's iframe."},
                "width": {"type": "integer", "minimum": 1},
                "height": {"type": "integer", "minimum": 1},
                "cache_age": {"type": "integer", "minimum": 0},
                "thumbnail_url": URL,
                "thumbnail_width": {"type": "integer", "minimum": 1},
                "thumbnail_height": {"type": "integer", "minimum": 1},
            },
            "dependentRequired": {
                "thumbnail_url": ["thumbnail_width", "thumbnail_height"],
            },
        },
        "Shields": _object(
            {
                "schemaVersion": {"type": "integer", "const": 1},
                "label": {"type": "string"},
                "message": {"type": "string"},
                "color": {"type": "string"},
                "cacheSeconds": {"type": "integer", "minimum": 300},
            },
            "shields.io's endpoint badge schema.",
        ),
        "Error": {
            "type": "object",
            "required": ["error", "detail"],
            "properties": {
                "error": {"type": "string", "description": "A stable code, e.g. not_found."},
                "detail": {"type": "string", "description": "What went wrong, in words."},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    "description": "For bad_parameters: each parameter's problems.",
                },
                "retry_after": {"type": "integer", "minimum": 1},
            },
        },
    }


# --- Operations ---------------------------------------------------------------------------

_HEADER_STRING = {"schema": {"type": "string"}}
CORS = {"Access-Control-Allow-Origin": {**_HEADER_STRING, "required": True}}
CACHED = {
    **CORS,
    "ETag": {**_HEADER_STRING, "required": True, "description": "A hash of the answer."},
    "Cache-Control": {**_HEADER_STRING, "required": True},
}


def _json(schema: dict, description: str, headers: dict | None = None) -> dict:
    response = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


OK_NOT_MODIFIED = {
    "304": {
        "description": "Not modified: the If-None-Match tag is still current.",
        "headers": CACHED,
    }
}
RATE_LIMITED = {
    "429": _json(
        _ref("Error"),
        "Too many requests from this address; wait Retry-After seconds.",
        {**CORS, "Retry-After": {"schema": {"type": "integer"}, "required": True}},
    )
}
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "An ETag from an earlier answer: 304 when it is still current.",
}


def _error(description: str) -> dict:
    return _json(_ref("Error"), description, CORS)


# Any request holding a NUL character is refused before a view runs (core/middleware.py).
UNREADABLE = {"400": _error("The request holds a character that cannot be read (NUL).")}


def _get(summary: str, ok: dict, *, parameters=(), errors: dict | None = None, **extra) -> dict:
    return {
        "get": {
            "summary": summary,
            "parameters": [*parameters, IF_NONE_MATCH],
            "responses": {
                "200": ok,
                **OK_NOT_MODIFIED,
                **UNREADABLE,
                **(errors or {}),
                **RATE_LIMITED,
            },
            **extra,
        }
    }


def _query(name: str, schema: dict, description: str, *, required: bool = False) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "schema": schema,
        "description": description,
    }


def _path(name: str, description: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        "description": description,
    }


DIMENSION = {"type": "integer", "minimum": 1, "maximum": MAX_DIMENSION}
BAD_PARAMETERS = {"400": _error("A query parameter is not valid; fields says which.")}
NOT_FOUND = {"404": _error("No such published tool.")}

PATHS = {
    "/api/v1/tools": _get(
        "Published tools, newest first",
        _json(_ref("ToolPage"), "One page of tools.", CACHED),
        parameters=[
            _query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, "From 1."),
            _query(
                "per_page",
                {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                f"Tools per page (default {DEFAULT_PER_PAGE}).",
            ),
            _query(
                "category",
                {"type": "string", "pattern": "^[-a-zA-Z0-9_]*$", "maxLength": MAX_SLUG_LENGTH},
                "A category's slug; empty for any.",
            ),
            _query(
                "verdict",
                {"type": "string", "enum": ["", *PanelVerdict.values]},
                "The panel verdict; empty for any.",
            ),
        ],
        errors={
            **BAD_PARAMETERS,
            "404": _error("The page is past the last one, or no category has that slug."),
        },
    ),
    "/api/v1/tools/{slug}": _get(
        "One tool with its panel, each critic's review, and the community's figures",
        _json(_ref("Tool"), "The tool.", CACHED),
        parameters=[_path("slug", "The tool's slug.")],
        errors=NOT_FOUND,
    ),
    "/api/v1/categories": _get(
        "Every category, with its number of published tools",
        _json(_ref("CategoryList"), "The categories.", CACHED),
    ),
    "/api/v1/comparisons/{pair}": _get(
        "Two tools side by side, critic by critic",
        _json(_ref("Comparison"), "The comparison.", CACHED),
        parameters=[
            _path("pair", "Two tool slugs joined by -vs-, in alphabetical order."),
        ],
        errors={
            "301": {
                "description": "The same pair in the other order: moved to the canonical one.",
                "headers": {**CORS, "Location": {**_HEADER_STRING, "required": True}},
            },
            "404": _error("Not two different published tools."),
        },
    ),
    "/api/v1/openapi.json": _get(
        "This document", _json({"type": "object"}, "The OpenAPI document.", CACHED)
    ),
    "/oembed": _get(
        "oEmbed for a tool page: the verdict card as an iframe",
        _json(_ref("OEmbed"), "The rich oEmbed answer.", CACHED),
        parameters=[
            _query(
                "url",
                # Django refuses NUL characters in any text field.
                {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": MAX_URL_LENGTH,
                    "pattern": "^[^\\u0000]*$",
                },
                "A tool page's address.",
                required=True,
            ),
            _query("format", {"type": "string"}, "Only json is offered (the default)."),
            _query("maxwidth", DIMENSION, "Widest the card may be."),
            _query("maxheight", DIMENSION, "Tallest it may be."),
        ],
        errors={
            **BAD_PARAMETERS,
            "404": _error(
                "Not a published tool's page on this site, or no card fits the maximum size."
            ),
            "501": _error("A format other than json."),
        },
    ),
    "/api/shields/{slug}.json": {
        "get": {
            "summary": "The verdict in shields.io's endpoint badge schema",
            "description": "Always 200, like the SVG badge: an unknown slug says not reviewed.",
            "parameters": [_path("slug", "The tool's slug."), IF_NONE_MATCH],
            "responses": {
                "200": _json(_ref("Shields"), "The badge's facts.", CACHED),
                **OK_NOT_MODIFIED,
                **UNREADABLE,
            },
        }
    },
}


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ShipOrSkip open data",
            "version": API_VERSION,
            "description": "Read-only verdicts on AI and developer tools: the panel's reviews, "
            "the community's votes, comparisons. Any origin may read it; answers carry "
            f"ETags; each address may make {settings.API_RATE_PER_IP} requests per "
            f"{settings.API_RATE_WINDOW} seconds.",
        },
        "servers": [{"url": settings.SITE_URL}],
        "paths": PATHS,
        "components": {"schemas": schemas()},
    }
