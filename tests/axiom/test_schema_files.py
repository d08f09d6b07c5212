"""schema/ is generated from the code; a change to a subgraph without `uv run axiom schema` fails here."""

from axiom.schema_files import check_schema_files, expected_files


def test_committed_schema_files_match_the_code():
    assert check_schema_files() == []


def test_client_api_schema_hides_federation_internals_and_keeps_cross_subgraph_fields():
    files = {path.name: text for path, text in expected_files().items()}
    api = files["api.graphql"]
    for internal in ("join__", "link__", "_entities", "_service", "@key", "_Any"):
        assert internal not in api, internal
    assert "factTable: Table" in api
    supergraph = files["supergraph.graphql"]
    assert "join__Graph" in supergraph and "WEAVER" in supergraph and "VISION" in supergraph
