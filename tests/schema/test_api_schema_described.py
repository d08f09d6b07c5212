"""Every type, field, argument and enum value of the client API schema carries a description: generated clients
turn them into doc comments, and GraphiQL's Docs pane shows them."""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    is_specified_scalar_type,
)

from axiom.schema_files import SCHEMA_DIR


def undescribed(schema: GraphQLSchema) -> list[str]:
    """Coordinates (`Type`, `Type.field`, `Type.field(arg:)`, `Enum.VALUE`) of everything without a description."""
    missing = []
    for name, type_ in schema.type_map.items():
        if name.startswith("__") or is_specified_scalar_type(type_):
            continue
        if not (type_.description or "").strip():
            missing.append(name)
        if isinstance(type_, (GraphQLObjectType, GraphQLInterfaceType, GraphQLInputObjectType)):
            for field_name, field in type_.fields.items():
                if not (field.description or "").strip():
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in getattr(field, "args", {}).items():
                    if not (arg.description or "").strip():
                        missing.append(f"{name}.{field_name}({arg_name}:)")
        if isinstance(type_, GraphQLEnumType):
            missing += [f"{name}.{v}" for v, value in type_.values.items() if not (value.description or "").strip()]
    return missing


def test_every_type_field_argument_and_enum_value_of_the_api_schema_is_described():
    schema = build_schema((SCHEMA_DIR / "api.graphql").read_text())
    assert undescribed(schema) == []


def test_the_walk_finds_an_undescribed_field_argument_and_enum_value():
    schema = build_schema(
        '"""Q."""\ntype Query { """f."""\nf(a: Int): E\n g: Int }\n"""E."""\nenum E { """x."""\nX\n Y }'
    )
    assert undescribed(schema) == ["Query.f(a:)", "Query.g", "E.Y"]


def test_root_types_describe_what_both_subgraphs_put_in_them():
    schema = build_schema((SCHEMA_DIR / "api.graphql").read_text())
    for root in (schema.query_type, schema.mutation_type):
        assert "Weaver" in root.description and "Vision" in root.description, root.description


def test_custom_scalars_of_the_gateways_api_schema_name_their_specification():
    from gateway.api_schema import build_api_schema

    schema = build_api_schema((SCHEMA_DIR / "supergraph.graphql").read_text())
    assert schema.type_map["DateTime"].specified_by_url == "https://scalars.graphql.org/andimarek/date-time"
    assert "ECMA-404" in schema.type_map["JSON"].specified_by_url
