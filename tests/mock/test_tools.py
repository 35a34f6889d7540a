"""Wiro's discovery endpoints (Tool/List, Tool/Detail, Tool/Explore, Tool/DetailOpenAPI,
Project/List), for every model in specs/, decoded the way Wiro's strictest client does.

`go_decode` (tests/go_types.py) mirrors the struct types of Wiro's Go CLI: one field of the
wrong JSON type fails the whole response, as in Go.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from openapi_spec_validator import validate
from starlette.applications import Starlette

from codegen.parser import load_catalogue
from codegen.schema import Input, InputKind, Model
from mockserver import create_app
from mockserver.auth import signed_headers
from mockserver.config import DEFAULT_API_KEY, DEFAULT_API_SECRET
from mockserver.models.discovery import category_key, model_id
from tests.go_types import (
    GENERIC,
    GO_LIST_BODY,
    GO_PROJECT_LIST,
    GO_TOOL_DETAIL,
    GO_TOOL_LIST,
    go_decode,
)
from tests.mock.conftest import HEADERS, SPECS, kinds_model, make_client, make_model, png_bytes
from tests.samples import one_of_each_kind

MODELS = load_catalogue(SPECS).models
ROUTES = ["/Tool/List", "/Tool/Detail", "/Tool/Explore", "/Tool/DetailOpenAPI", "/Project/List"]
UNKNOWN = {"result": False, "errors": [{"code": 1, "message": "slug-owner-project-not-exist"}]}
CHOICES = (InputKind.SELECT, InputKind.MULTISELECT)
#: The list item's documented types (D:models, MCP/WK/DT types), all keys present.
LIST_ITEM_TYPES = {
    **dict.fromkeys(
        ("id", "title", "slugowner", "slugproject", "cleanslugowner", "cleanslugproject",
         "description", "seodescription", "image", "computingtime", "onlymembers",
         "averagepoint", "commentcount", "ratedusercount", "cps", "approximatelycost",
         "dynamicprice"),
        str,
    ),
    "categories": [str],
    "tags": [str],
    "samples": [str],
    "marketplace": int,
    "taskstat": {"runcount": int, "successcount": str, "errorcount": str, "lastruntime": str},
}  # fmt: skip


def typed(value: dict[str, Any], kinds: dict[str, Any]) -> None:
    """Every key present, each of its documented type."""
    assert set(kinds) <= set(value), set(kinds) - set(value)
    go_decode(value, kinds)


@pytest.mark.parametrize(
    ("doc", "kind"),
    [
        ({"result": True, "total": "1"}, GO_TOOL_LIST),
        ({"tool": [{"id": 1701}]}, GO_TOOL_LIST),
        ({"tool": [{"parameters": [{"items": [{"required": "true"}]}]}]}, GO_TOOL_DETAIL),
        ({"tool": [{"parameters": [{"items": [{"minvalue": 1}]}]}]}, GO_TOOL_DETAIL),
        ({"tool": [{"parameters": [{"items": [{"rows": 4}]}]}]}, GO_TOOL_DETAIL),
        ({"tool": [{"parameters": [{"items": [{"options": ["a"]}]}]}]}, GO_TOOL_DETAIL),
        ({"tool": [{"parameters": [{"items": [{"maxinputlenght": 1.5}]}]}]}, GO_TOOL_DETAIL),
        ({"tool": [{"inspire": ["a"]}]}, GO_TOOL_DETAIL),
        ({"project": [{"slug": 3}]}, GO_PROJECT_LIST),
        ({"project": [{"ipwhitelist": "*"}]}, GO_PROJECT_LIST),
        ({"result": 1}, GENERIC),
    ],
)
@pytest.mark.no_store
def test_the_go_decoder_rejects_what_go_rejects(doc: dict[str, Any], kind: Any) -> None:
    with pytest.raises(AssertionError):
        go_decode(doc, kind)


# -- helpers --------------------------------------------------------------------------------


async def post(client: httpx.AsyncClient, path: str, body: Any = None, **kw: Any) -> Any:
    response = await client.post(path, json=body if body is not None else {}, **kw)
    assert response.status_code == 200, response.text
    return response.json()


async def tool_list(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    data: dict[str, Any] = await post(client, "/Tool/List", body)
    assert data["result"] is True and data["errors"] == [], data
    return data


def slugs(owner: str, project: str) -> dict[str, str]:
    return {"slugowner": owner, "slugproject": project}


async def detail(client: httpx.AsyncClient, owner: str, project: str) -> dict[str, Any]:
    data = await post(client, "/Tool/Detail", slugs(owner, project))
    assert data["result"] is True and data["errors"] == [], data
    assert len(data["tool"]) == 1
    tool: dict[str, Any] = data["tool"][0]
    return tool


def display(model: Model) -> tuple[str, str]:
    owner, _, project = model.display_name.partition("/")
    return owner, project


def clean(model: Model) -> tuple[str, str]:
    owner, _, project = model.slug.partition("/")
    return owner, project


def items_of(tool: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for group in tool["parameters"]:
        yield from group["items"]


def found(data: dict[str, Any]) -> list[str]:
    return [f"{t['cleanslugowner']}/{t['cleanslugproject']}" for t in data["tool"]]


#: `(store, model)` for a test of one model: every model on the memory store, one of each
#: kind on the Redis store (what differs there is the store, not the model).
PER_MODEL = pytest.mark.parametrize(
    ("store", "model"),
    [pytest.param("memory", m, id=f"memory-{m.slug}") for m in MODELS]
    + [pytest.param("redis", m, id=f"redis-{m.slug}") for m in one_of_each_kind(MODELS)],
    indirect=["store"],
)


# -- Tool/List ------------------------------------------------------------------------------


@PER_MODEL
async def test_list_finds_every_model_by_search(client: httpx.AsyncClient, model: Model) -> None:
    owner, project = display(model)
    ident = str(model_id(model))
    for search in (project, project.upper(), model.slug, f"  {model.display_name} "):
        assert model.slug in found(await tool_list(client, search=search, limit=100)), search
    [item] = [t for t in (await tool_list(client, search=model.slug))["tool"] if t["id"] == ident]
    assert (item["slugowner"], item["slugproject"]) == (owner, project)
    assert (item["cleanslugowner"], item["cleanslugproject"]) == clean(model)
    assert item["image"] == (model.cover_url or "")
    assert item["categories"] == list(model.categories) and item["tags"] == list(model.tags)


@PER_MODEL
async def test_list_finds_every_model_by_category(client: httpx.AsyncClient, model: Model) -> None:
    for category in model.categories:
        data = await tool_list(client, categories=[category], limit=100)
        assert model.slug in found(data), category
        for tool in data["tool"]:
            assert category_key(category) in {category_key(c) for c in tool["categories"]}
    if not model.categories:  # then no category lists it
        every = {c for m in MODELS for c in m.categories}
        data = await tool_list(client, categories=sorted(every), limit=100)
        assert model.slug not in found(data) and data["total"] == len(data["tool"]) > 0


async def test_list_items_decode_in_go_and_have_every_documented_field(
    client: httpx.AsyncClient,
) -> None:
    data = await tool_list(client, **GO_LIST_BODY)
    go_decode(data, GO_TOOL_LIST)
    assert data["total"] == len(MODELS)
    assert len(data["tool"]) == min(len(MODELS), int(GO_LIST_BODY["limit"]))
    for item in data["tool"]:
        typed(item, LIST_ITEM_TYPES)
        prices = json.loads(item["dynamicprice"])
        assert isinstance(prices, list) and prices
        assert {"inputs", "price", "priceMethod"} <= set(prices[0])
        assert isinstance(prices[0]["price"], float)


async def test_pages_cover_the_catalogue_and_total_is_the_full_count(
    client: httpx.AsyncClient,
) -> None:
    seen: list[str] = []
    for start in range(0, len(MODELS) + 3, 3):
        data = await tool_list(client, start=str(start), limit="3", sort="id", order="ASC")
        assert data["total"] == len(MODELS)
        assert len(data["tool"]) == min(3, max(0, len(MODELS) - start))
        seen += found(data)
    assert sorted(seen) == sorted(m.slug for m in MODELS) and len(seen) == len(set(seen))
    as_numbers = await client.post("/Tool/List", json={"start": 3, "limit": 3})
    as_strings = await client.post("/Tool/List", json={"start": "3", "limit": "3"})
    assert as_numbers.content == as_strings.content
    assert len((await tool_list(client, limit="0"))["tool"]) == 1
    default = await tool_list(client)
    assert len(default["tool"]) == min(20, len(MODELS))


async def test_limit_is_clamped_to_one_hundred() -> None:
    prompt = Input(name="prompt", label="p", kind=InputKind.TEXT)
    bulk = [make_model(f"bulk/m{i:03}", [prompt]) for i in range(105)]
    async with await make_client(create_app(models=bulk)) as client:
        data = await tool_list(client, limit=500)
        assert data["total"] == 105 and len(data["tool"]) == 100
        rest = await tool_list(client, start=100, limit=500)
        assert len(rest["tool"]) == 5


async def test_bad_numbers_are_wiro_errors(client: httpx.AsyncClient) -> None:
    for field in ("start", "limit"):
        data = await post(client, "/Tool/List", {field: "ten"})
        message = f"Request parameter [{field}] must be integer or float"
        assert data == {"result": False, "errors": [{"code": 0, "message": message}]}


async def test_order_and_sort(client: httpx.AsyncClient) -> None:
    up = await tool_list(client, sort="id", order="ASC", limit=100)
    down = await tool_list(client, sort="id", order="DESC", limit=100)
    ids = [int(t["id"]) for t in up["tool"]]
    assert ids == sorted(ids) and found(down) == found(up)[::-1]
    best = await tool_list(client, search="generate", sort="relevance", order="DESC")
    assert found(best)[0] == "reve/generate"  # a slug match outranks description matches
    assert len(found(best)) > 1


async def test_filters(client: httpx.AsyncClient) -> None:
    unknown = await tool_list(client, categories=["no-such-category"])
    assert unknown["total"] == 0 and unknown["tool"] == []
    video = await tool_list(client, tags=["VIDEO"], limit=100)
    assert found(video) == [m.slug for m in MODELS if "video" in m.tags]
    for owner in ("wiro", "WIRO", "ByteDance"):
        data = await tool_list(client, slugowner=owner, limit=100)
        assert sorted(found(data)) == sorted(m.slug for m in MODELS if m.owner == owner.lower())
        assert data["total"] == sum(m.owner == owner.lower() for m in MODELS) > 0
    # any of several categories; "Image to Image" and "image-to-image" are one category
    either = await tool_list(client, categories=["Image to Image", "text-to-image"], limit=100)
    keys = {"image-to-image", "text-to-image"}
    assert sorted(found(either)) == sorted(
        m.slug for m in MODELS if keys & {category_key(c) for c in m.categories}
    )
    # every MCP-style flag is accepted
    flags = await tool_list(client, search="", categories=[], hideworkflows=True, summary=True)
    assert flags["total"] == len(MODELS)


async def test_every_body_encoding_gives_the_same_answer(client: httpx.AsyncClient) -> None:
    cats = ["image-to-image", "text-to-image"]
    answers = [
        await client.post("/Tool/List", json={"categories": cats, "limit": "50"}),
        await client.post("/Tool/List", content=urlencode([("categories", c) for c in cats]
                          + [("limit", "50")]), headers=_form()),
        await client.post("/Tool/List", content=urlencode([("categories[]", c) for c in cats]
                          + [("limit", "50")]), headers=_form()),
        await client.post("/Tool/List", content=urlencode([("categories[0]", cats[0]),
                          ("categories[1]", cats[1]), ("limit", "50")]), headers=_form()),
        await client.post("/Tool/List", files=[("categories", (None, c)) for c in cats]
                          + [("limit", (None, "50"))]),
    ]  # fmt: skip
    assert all(a.status_code == 200 for a in answers)
    assert len({a.content for a in answers}) == 1
    assert json.loads(answers[0].content)["total"] > 1
    slugs = {"slugowner": "reve", "slugproject": "Generate"}
    details = [
        await client.post("/Tool/Detail", json=slugs),
        await client.post("/Tool/Detail", content=urlencode(slugs), headers=_form()),
        await client.post("/Tool/Detail", files=[(k, (None, v)) for k, v in slugs.items()]),
    ]
    assert len({d.content for d in details}) == 1 and details[0].json()["result"] is True


def _form() -> dict[str, str]:
    return {"content-type": "application/x-www-form-urlencoded"}


# -- Tool/Detail ----------------------------------------------------------------------------


@PER_MODEL
async def test_detail_by_every_slug_form(client: httpx.AsyncClient, model: Model) -> None:
    owner, project = display(model)
    forms = [
        display(model),
        clean(model),
        (owner.swapcase(), project.swapcase()),
        (f"  {owner} ", f" {project}  "),
        ("".join(f"%{b:02X}" for b in owner.encode()), project),  # percent-encoded
    ]
    bodies = set()
    for form in forms:
        response = await client.post(
            "/Tool/Detail", json={"slugowner": form[0], "slugproject": form[1]}
        )
        assert response.json()["result"] is True, form
        bodies.add(response.content)
    assert len(bodies) == 1
    tool = await detail(client, *clean(model))
    assert (tool["slugowner"], tool["slugproject"]) == display(model)
    assert (tool["cleanslugowner"], tool["cleanslugproject"]) == clean(model)
    assert tool["inspire"] == [dict(e) for e in model.examples]
    assert isinstance(tool["readme"], str) and isinstance(tool["seotitle"], str)


@PER_MODEL
async def test_detail_decodes_in_go(client: httpx.AsyncClient, model: Model) -> None:
    data = await post(client, "/Tool/Detail", slugs(*display(model)))
    go_decode(data, GO_TOOL_DETAIL)
    tool = data["tool"][0]
    typed(tool, LIST_ITEM_TYPES)
    assert tool["parameters"], "every model has inputs"
    for group in tool["parameters"]:
        assert set(group) == {"title", "subtitle", "items"} and group["items"]


@PER_MODEL
async def test_both_parameter_name_sets_agree(client: httpx.AsyncClient, model: Model) -> None:
    tool = await detail(client, *display(model))
    listed = {item["id"]: item for item in items_of(tool)}
    inputs = {i.name: i for i in model.inputs}
    assert set(inputs) <= set(listed)
    validator = create_app(models=[model]).state.mock.registry.validators[model.slug]
    assert set(listed) <= validator.allowed  # every id listed is a field Run accepts
    for name, item in listed.items():
        assert item["default"] == item["defaultvalue"] == item["value"], name
        assert item["description"] == item["note"], name
        assert item["quick"] is not item["advanced"], name
        for short, long in (("min", "minvalue"), ("max", "maxvalue"), ("step", "incrementby")):
            assert (short in item) == (long in item), (name, short)
            if short in item:
                assert isinstance(item[short], int | float) and isinstance(item[long], str)
                assert float(item[long]) == item[short]
        source = inputs.get(name)
        if source is None:  # a URL sibling of a file input
            assert item["type"] == "text" and item["required"] is False
            continue
        assert item["required"] is source.required
        assert item["label"] == source.label
        assert ("options" in item) is (source.kind in CHOICES)
        if "options" in item:
            assert [o["value"] for o in item["options"]] == list(source.option_values)
            assert all(o["text"] == o["label"] for o in item["options"])
        if source.max_items is not None:
            assert item["maxinputlenght"] == source.max_items
        if source.minimum is not None:
            assert item["min"] == source.minimum


@PER_MODEL
async def test_sending_every_discovered_parameter_runs(
    client: httpx.AsyncClient, model: Model
) -> None:
    """A client that sends every parameter Tool/Detail lists (with its default) succeeds."""
    tool = await detail(client, *display(model))
    body = await filled_body(client, tool)
    run_path = await documented_run_path(client, model)
    response = await client.post(run_path, json=body)
    assert response.status_code == 200 and response.json()["result"] is True, response.text


async def filled_body(client: httpx.AsyncClient, tool: dict[str, Any]) -> dict[str, Any]:
    """Every listed id with its default; required ones without a default get a value."""
    body: dict[str, Any] = {}
    for item in items_of(tool):
        value = item["defaultvalue"]
        if item["required"] and value in ("", None, []):
            is_file = "file" in item["type"]
            if is_file:
                value = await uploaded_url(client)
            elif item.get("options"):
                value = item["options"][0]["value"]
            else:
                value = "a lighthouse at dusk"
        body[item["id"]] = value
    return body


async def uploaded_url(client: httpx.AsyncClient) -> str:
    response = await client.post("/File/Upload", files={"file": ("tiny.png", png_bytes(32, 32))})
    url: str = response.json()["list"][0]["url"]
    return url


async def documented_run_path(client: httpx.AsyncClient, model: Model) -> str:
    docs = await post(client, "/Tool/DetailOpenAPI", slugs(*clean(model)))
    [path] = [p for p in docs[0]["spec"]["paths"] if p.startswith("/Run/")]
    return str(path)


async def test_file_inputs_list_their_url_siblings_and_run() -> None:
    sibling = make_model("test/Sibling", [
        Input(name="photo", label="Photo", kind=InputKind.FILE, accepts_url=True,
              accepts_file=True, url_sibling="photoLink", required=True),
        Input(name="clips", label="Clips", kind=InputKind.FILES, accepts_url=True,
              wire_type="combinefileinput", max_items=3),
    ])  # fmt: skip
    async with await make_client(create_app(models=[kinds_model(), sibling])) as client:
        kinds = await detail(client, "test", "Kinds")
        ids = [item["id"] for item in items_of(kinds)]
        assert ids.index("inputImageUrl") == ids.index("inputImage") + 1
        assert ids.index("refsUrl") == ids.index("refs") + 1
        ran = await client.post("/Run/test/Kinds", json=await filled_body(client, kinds))
        assert ran.json()["result"] is True, ran.text
        tool = await detail(client, "test", "Sibling")
        listed = {item["id"]: item for item in items_of(tool)}
        assert set(listed) == {"photo", "photoLink", "clips"}  # combinefileinput: no sibling
        assert listed["clips"]["maxinputlenght"] == 3
        url = await uploaded_url(client)
        via_sibling = await client.post("/Run/test/Sibling", json={"photo": "", "photoLink": url})
        assert via_sibling.json()["result"] is True, via_sibling.text


async def test_unknown_model_is_wiros_error(client: httpx.AsyncClient, app: Starlette) -> None:
    for path in ("/Tool/Detail", "/Tool/DetailOpenAPI"):
        response = await client.post(path, json={"slugowner": "nobody", "slugproject": "x"})
        assert response.status_code == 200 and response.json() == UNKNOWN
        missing = await post(client, path, {"slugowner": "reve"})
        assert missing["errors"] == [
            {"code": 0, "message": "Request parameter [slugproject] required"}
        ]
    async with await make_client(create_app(SPECS, http_errors=True)) as strict:
        response = await strict.post("/Tool/Detail", json={"slugowner": "no", "slugproject": "x"})
        assert response.status_code == 404 and response.json() == UNKNOWN


# -- Tool/Explore ---------------------------------------------------------------------------


async def test_explore_groups_every_categorised_model(client: httpx.AsyncClient) -> None:
    data = await post(client, "/Tool/Explore", {})
    assert data["result"] is True and data["errors"] == []
    groups = data["explore"]
    keys = [category_key(g["title"]) for g in groups]
    assert keys == sorted(set(keys))
    for group in groups:
        assert group["total"] == len(group["tools"]) > 0
        assert isinstance(group["id"], str) and group["url"].startswith("https://")
        members = sorted(t["cleanslugowner"] + "/" + t["cleanslugproject"] for t in group["tools"])
        assert members == sorted(
            m.slug
            for m in MODELS
            if category_key(group["title"]) in map(category_key, m.categories)
        )
        for tool in group["tools"]:
            typed(tool, LIST_ITEM_TYPES)
    grouped = {t["cleanslugproject"] for g in groups for t in g["tools"]}
    assert grouped == {clean(m)[1] for m in MODELS if m.categories}


# -- Tool/DetailOpenAPI ---------------------------------------------------------------------


@PER_MODEL
async def test_detail_openapi_is_a_bare_array_of_wiro_documents(
    client: httpx.AsyncClient, model: Model
) -> None:
    response = await client.post("/Tool/DetailOpenAPI", json=slugs(*clean(model)))
    entries = response.json()
    assert isinstance(entries, list)
    assert [e["type"] for e in entries] == ["signature", "apikey"]
    required = [i.name for i in model.inputs if i.required]
    for entry in entries:
        spec = entry["spec"]
        validate(spec)
        assert spec["openapi"] == "3.0.3"
        assert spec["servers"] == [{"url": "http://mock/v1"}]
        assert {"/Task/Detail", "/Task/Kill", "/Task/Cancel", f"/Run/{model.display_name}"} == set(
            spec["paths"]
        )
        run = spec["components"]["schemas"]["RunToolSchema"]
        assert run.get("required", []) == required
        assert {i.name for i in model.inputs} <= set(run["properties"])
        for item in model.inputs:
            if item.kind is InputKind.SELECT and item.options:
                assert run["properties"][item.name]["enum"] == list(item.option_values)
    schemes = [set(e["spec"]["components"]["securitySchemes"]) for e in entries]
    assert schemes == [{"ApiKeyAuth", "NonceAuth", "SignatureAuth"}, {"ApiKeyAuth"}]
    assert entries[1]["spec"]["security"] == [{"ApiKeyAuth": []}]


# -- Project/List ---------------------------------------------------------------------------


async def test_project_list_shows_the_callers_project_never_its_secret(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/Project/List", json={"uuid": "me", "apikey": ""})
    assert DEFAULT_API_SECRET.encode() not in response.content
    data = response.json()
    go_decode(data, GO_PROJECT_LIST)
    [project] = data["project"]
    assert project["apikey"] == DEFAULT_API_KEY and project["authmethod"] == "signature"
    assert project["slug"] is None and project["ipwhitelist"] == ["*"]
    assert project["requestCount"] == "0"


SECRET = "s3cr3t-never-served-7f1c"
PROJECTS = [
    {"api_key": "key-signed", "api_secret": SECRET, "id": "11", "name": "signed"},
    {"api_key": "key-only", "id": "12", "name": "key only"},
]


async def test_project_list_per_project_kind() -> None:
    app = create_app(SPECS, projects=PROJECTS)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://mock/v1"
    ) as client:
        signed = signed_headers("key-signed", SECRET, 1734513807)
        key_only = {"x-api-key": "key-only"}
        kinds = ((signed, "key-signed", "signature"), (key_only, "key-only", "apikey-only"))
        for headers, key, method in kinds:
            for asked in ("", key):
                response = await client.post(
                    "/Project/List", json={"uuid": "me", "apikey": asked}, headers=headers
                )
                assert SECRET.encode() not in response.content
                go_decode(response.json(), GO_PROJECT_LIST)
                [project] = response.json()["project"]
                assert (project["apikey"], project["authmethod"]) == (key, method)
            other = "key-only" if key == "key-signed" else "key-signed"
            response = await client.post("/Project/List", json={"apikey": other}, headers=headers)
            assert response.json()["project"] == []  # no peeking at another project


async def test_project_list_without_auth_shows_only_a_named_project() -> None:
    app = create_app(SPECS, projects=PROJECTS, auth=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://mock/v1"
    ) as client:
        nobody = await client.post("/Project/List", json={"uuid": "me", "apikey": ""})
        assert nobody.json()["project"] == []
        named = await client.post("/Project/List", json={}, headers={"x-api-key": "key-signed"})
        assert SECRET.encode() not in named.content
        assert [p["name"] for p in named.json()["project"]] == ["signed"]


# -- every route ----------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
async def test_every_route_needs_credentials(app: Starlette, route: str) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://mock/v1"
    ) as anonymous:
        body = {"slugowner": "reve", "slugproject": "generate"}
        response = await anonymous.post(route, json=body)
        assert response.status_code == 401 and response.json()["result"] is False
        wrong = signed_headers(DEFAULT_API_KEY, "not-the-secret", 1734513807)
        assert (await anonymous.post(route, json=body, headers=wrong)).status_code == 401
        assert (await anonymous.post(route, json=body, headers=HEADERS)).status_code == 200


@pytest.mark.parametrize("route", ROUTES[:-1])
async def test_answers_are_deterministic(route: str) -> None:
    """No wall clock in discovery: two mocks on the same specs answer byte for byte alike."""
    answers = []
    for _ in range(2):
        async with await make_client(create_app(SPECS)) as client:
            body = {"slugowner": "xiabs", "slugproject": "DreamOmni2"}
            answers.append((await client.post(route, json=body)).content)
    assert answers[0] == answers[1]


async def test_discovery_requests_are_journaled(client: httpx.AsyncClient) -> None:
    await detail(client, "reve", "Generate")
    await tool_list(client, search="reve")
    entries = (await client.get("http://localhost/__mock__/journal")).json()["entries"]
    by_path = {e["path"]: e for e in entries}
    assert by_path["/v1/Tool/Detail"]["model"] == "reve/generate"
    assert by_path["/v1/Tool/Detail"]["body"] == {"slugowner": "reve", "slugproject": "Generate"}
    assert by_path["/v1/Tool/List"]["body"] == {"search": "reve"}
