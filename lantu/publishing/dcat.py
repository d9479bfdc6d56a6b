"""The catalogue in DCAT-AP (W3C DCAT with the EU application profile), built as an RDF graph.

One graph serves both serialisations (JSON-LD and Turtle). A dataset's URI is its page
(``/data/<code>/``); each published version's current files are its distributions.
"""

from __future__ import annotations

import datetime as dt

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, SKOS, XSD

from lantu.core.periods import parse_period
from lantu.publishing.formats import LICENCES, file_stem
from lantu.publishing.selectors import PublicDataset

ADMS = Namespace("http://www.w3.org/ns/adms#")
FREQUENCY = Namespace("http://publications.europa.eu/resource/authority/frequency/")
FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
MEDIA_TYPE = Namespace("http://www.iana.org/assignments/media-types/")
FREQUENCIES = {"annual": "ANNUAL", "quarterly": "QUARTERLY", "monthly": "MONTHLY", "irregular": "IRREG"}
ZH, EN = "zh-Hans", "en"

#: The JSON-LD context, inline so that no client needs the network to read the document.
CONTEXT = {
    "dcat": str(DCAT),
    "dct": str(DCTERMS),
    "foaf": str(FOAF),
    "skos": str(SKOS),
    "adms": str(ADMS),
    "owl": str(OWL),
    "xsd": str(XSD),
}


def _graph() -> Graph:
    graph = Graph()
    for prefix, uri in CONTEXT.items():
        graph.bind(prefix, Namespace(uri))
    return graph


def _moment(value: dt.datetime | None) -> Literal:
    return Literal((value or dt.datetime.now(dt.UTC)).isoformat(), datatype=XSD.dateTime)


def dataset_uri(base: str, code: str) -> URIRef:
    return URIRef(f"{base}/data/{code}/")


def add_dataset(graph: Graph, public: PublicDataset, base: str) -> URIRef:
    """Add one public dataset, its publisher and its current version's distributions."""
    dataset, version = public.dataset, public.current
    node = dataset_uri(base, dataset.code)
    graph.add((node, RDF.type, DCAT.Dataset))
    graph.add((node, DCTERMS.identifier, Literal(dataset.code)))
    graph.add((node, DCTERMS.title, Literal(dataset.title_zh, lang=ZH)))
    graph.add((node, DCTERMS.title, Literal(dataset.title_en, lang=EN)))
    for text, lang in ((dataset.description_zh, ZH), (dataset.description_en, EN)):
        if text:
            graph.add((node, DCTERMS.description, Literal(text, lang=lang)))
    for words, lang in ((dataset.keywords_zh, ZH), (dataset.keywords_en, EN)):
        for word in words:
            graph.add((node, DCAT.keyword, Literal(word, lang=lang)))
    graph.add((node, DCAT.landingPage, node))
    graph.add((node, DCTERMS.issued, _moment(public.issued)))
    graph.add((node, DCTERMS.modified, _moment(public.modified)))
    graph.add((node, OWL.versionInfo, Literal(str(version.number))))
    if version.note:
        graph.add((node, ADMS.versionNotes, Literal(version.note, lang=ZH)))
    graph.add((node, DCTERMS.accrualPeriodicity, FREQUENCY[FREQUENCIES[dataset.update_frequency]]))
    # Publisher
    publisher = URIRef(f"{base}/data/?publisher={dataset.publisher.code}")
    graph.add((node, DCTERMS.publisher, publisher))
    graph.add((publisher, RDF.type, FOAF.Agent))
    graph.add((publisher, FOAF.name, Literal(dataset.publisher.name_zh, lang=ZH)))
    graph.add((publisher, FOAF.name, Literal(dataset.publisher.name_en, lang=EN)))
    # Licence
    licence = URIRef(LICENCES[dataset.licence][1])
    graph.add((node, DCTERMS.license, licence))
    graph.add((licence, RDF.type, DCTERMS.LicenseDocument))
    # Temporal coverage
    period = BNode(f"period-{dataset.code}")
    graph.add((node, DCTERMS.temporal, period))
    graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
    graph.add((period, DCAT.startDate, Literal(parse_period(dataset.period_from).start, datatype=XSD.date)))
    graph.add((period, DCAT.endDate, Literal(parse_period(dataset.period_to).end, datatype=XSD.date)))
    # Spatial coverage: the org unit (GB/T 2260 code)
    place = URIRef(f"{base}/org-units/{dataset.spatial.code}/")
    graph.add((node, DCTERMS.spatial, place))
    graph.add((place, RDF.type, DCTERMS.Location))
    graph.add((place, SKOS.prefLabel, Literal(dataset.spatial.name_zh, lang=ZH)))
    graph.add((place, SKOS.prefLabel, Literal(dataset.spatial.name_en, lang=EN)))
    graph.add((place, SKOS.notation, Literal(dataset.spatial.code)))
    # Distributions of the current version
    stem = f"{base}/data/{dataset.code}/v{version.number}"
    for suffix, media, kind in (
        (".csv", "text/csv", "CSV"),
        (".json", "application/json", "JSON"),
        ("/datapackage.json", "application/json", "JSON"),
    ):
        url = URIRef(stem + suffix)
        dist = URIRef(f"{stem}{suffix}#distribution")
        graph.add((node, DCAT.distribution, dist))
        graph.add((dist, RDF.type, DCAT.Distribution))
        graph.add((dist, DCTERMS.title, Literal(f"{file_stem(version)}{suffix}")))
        graph.add((dist, DCAT.accessURL, url))
        graph.add((dist, DCAT.downloadURL, url))
        graph.add((dist, DCAT.mediaType, MEDIA_TYPE[media]))
        graph.add((dist, DCTERMS.format, FILE_TYPE[kind]))
        graph.add((dist, DCTERMS.license, licence))
        graph.add((dist, DCTERMS.modified, _moment(version.published_at)))
    return node


def catalogue_graph(datasets: list[PublicDataset], base: str) -> Graph:
    """The whole catalogue: a dcat:Catalog and every public dataset."""
    graph = _graph()
    catalogue = URIRef(f"{base}/data/catalog")
    graph.add((catalogue, RDF.type, DCAT.Catalog))
    graph.add((catalogue, DCTERMS.title, Literal("蓝图开放数据目录", lang=ZH)))
    graph.add((catalogue, DCTERMS.title, Literal("Lantu open data catalogue", lang=EN)))
    graph.add((catalogue, DCTERMS.description, Literal("规划监测与评估的已发布数据集", lang=ZH)))
    graph.add((catalogue, DCTERMS.description, Literal("Published datasets of programme monitoring", lang=EN)))
    graph.add((catalogue, FOAF.homepage, URIRef(f"{base}/data/")))
    modified = [d.modified for d in datasets if d.modified]
    if modified:
        graph.add((catalogue, DCTERMS.modified, _moment(max(modified))))
    for public in datasets:
        graph.add((catalogue, DCAT.dataset, add_dataset(graph, public, base)))
        graph.add((catalogue, DCTERMS.publisher, URIRef(f"{base}/data/?publisher={public.dataset.publisher.code}")))
    return graph


def dataset_graph(public: PublicDataset, base: str) -> Graph:
    graph = _graph()
    add_dataset(graph, public, base)
    return graph


def serialise(graph: Graph, fmt: str) -> str:
    """``fmt`` is ``jsonld`` or ``ttl``."""
    if fmt == "jsonld":
        return graph.serialize(format="json-ld", context=CONTEXT, indent=2)
    return graph.serialize(format="turtle")
