"""DCAT-AP: the catalogue and a dataset as JSON-LD and Turtle, parsed by rdflib."""

from __future__ import annotations

import pytest
from django.test import Client
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from lantu.publishing.models import Dataset
from lantu.publishing.services import withdraw_version
from tests.publishing.conftest import CODE, PublishFn

pytestmark = [
    pytest.mark.django_db,
    # rdflib 7.6's own JSON-LD parser builds a ConjunctiveGraph, which rdflib itself deprecates.
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
]
BASE = "http://testserver"
DATASET = URIRef(f"{BASE}/data/{CODE}/")


def _parse(client: Client, url: str, fmt: str) -> Graph:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return Graph().parse(data=response.content.decode(), format=fmt)


@pytest.mark.parametrize(
    ("suffix", "fmt", "media"), [("jsonld", "json-ld", "application/ld+json"), ("ttl", "turtle", "text/turtle")]
)
def test_the_catalogue_parses_with_rdflib_and_has_the_dcat_ap_triples(
    dataset: Dataset, publish: PublishFn, client: Client, suffix: str, fmt: str, media: str
) -> None:
    publish()
    assert client.get(f"/data/catalog.{suffix}")["Content-Type"].startswith(media)
    graph = _parse(client, f"/data/catalog.{suffix}", fmt)
    catalogue = URIRef(f"{BASE}/data/catalog")
    assert (catalogue, RDF.type, DCAT.Catalog) in graph
    assert (catalogue, DCAT.dataset, DATASET) in graph
    assert (DATASET, RDF.type, DCAT.Dataset) in graph
    titles = set(graph.objects(DATASET, DCTERMS.title))
    assert Literal("数字经济核心产业增加值", lang="zh-Hans") in titles
    assert Literal("Value added of the core digital economy", lang="en") in titles
    assert (DATASET, DCAT.keyword, Literal("数字经济", lang="zh-Hans")) in graph
    assert (DATASET, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")) in graph
    publisher = graph.value(DATASET, DCTERMS.publisher)
    assert (publisher, RDF.type, FOAF.Agent) in graph
    assert (publisher, FOAF.name, Literal("浙江省统计局", lang="zh-Hans")) in graph
    period = graph.value(DATASET, DCTERMS.temporal)
    assert graph.value(period, DCAT.startDate) == Literal("2020-01-01", datatype=XSD.date)
    assert graph.value(period, DCAT.endDate) == Literal("2022-12-31", datatype=XSD.date)
    place = graph.value(DATASET, DCTERMS.spatial)
    assert (place, RDF.type, DCTERMS.Location) in graph
    modified = graph.value(DATASET, DCTERMS.modified)
    assert isinstance(modified, Literal)
    assert modified.datatype == XSD.dateTime
    downloads = {
        (str(graph.value(d, DCAT.downloadURL)), str(graph.value(d, DCAT.mediaType)))
        for d in graph.objects(DATASET, DCAT.distribution)
    }
    assert (f"{BASE}/data/{CODE}/v1.csv", "http://www.iana.org/assignments/media-types/text/csv") in downloads
    assert (f"{BASE}/data/{CODE}/v1.json", "http://www.iana.org/assignments/media-types/application/json") in downloads
    for url, _ in downloads:
        assert client.get(url.removeprefix(BASE)).status_code == 200


def test_one_dataset_in_both_serialisations_is_the_same_graph(
    dataset: Dataset, publish: PublishFn, client: Client
) -> None:
    publish()
    jsonld = _parse(client, f"/data/{CODE}/dataset.jsonld", "json-ld")
    turtle = _parse(client, f"/data/{CODE}/dataset.ttl", "turtle")
    assert len(jsonld) == len(turtle) > 30
    assert (DATASET, RDF.type, DCAT.Dataset) in jsonld
    assert (DATASET, RDF.type, DCAT.Dataset) in turtle


def test_a_withdrawn_dataset_leaves_the_catalogue_and_its_dcat_url_is_gone(
    dataset: Dataset, publish: PublishFn, client: Client, office: tuple[object, object]
) -> None:
    publish()
    withdraw_version(office[0], CODE, 1, "数据有误")  # type: ignore[arg-type]
    graph = _parse(client, "/data/catalog.ttl", "turtle")
    assert (DATASET, None, None) not in graph
    for suffix in ("jsonld", "ttl"):
        response = client.get(f"/data/{CODE}/dataset.{suffix}")
        assert response.status_code == 410
        assert "数字经济" not in response.content.decode()
    assert client.get("/data/unknown-set/dataset.ttl").status_code == 404


def test_an_unpublished_dataset_is_not_in_dcat(dataset: Dataset, client: Client) -> None:
    assert client.get(f"/data/{CODE}/dataset.jsonld").status_code == 404
    assert (DATASET, None, None) not in _parse(client, "/data/catalog.jsonld", "json-ld")
