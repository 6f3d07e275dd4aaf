"""The docs explorer explains the API by itself: every schema element carries a description."""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    is_introspection_type,
    is_specified_scalar_type,
)

from schema import build_schema


def undocumented(schema: GraphQLSchema) -> list[str]:
    """Dotted names of every type, field, argument, enum value and input field without a
    description (graphql-core's own introspection and built-in scalars are documented by spec)."""
    missing: list[str] = []

    def check(name: str, description: str | None) -> None:
        if not (description and description.strip()):
            missing.append(name)

    for type_name, gql_type in sorted(schema.type_map.items()):
        if is_introspection_type(gql_type) or is_specified_scalar_type(gql_type):
            continue
        check(type_name, gql_type.description)
        if isinstance(gql_type, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in gql_type.fields.items():
                check(f"{type_name}.{field_name}", field.description)
                for arg_name, arg in field.args.items():
                    check(f"{type_name}.{field_name}({arg_name}:)", arg.description)
        elif isinstance(gql_type, GraphQLInputObjectType):
            for field_name, field in gql_type.fields.items():
                check(f"{type_name}.{field_name}", field.description)
        elif isinstance(gql_type, GraphQLEnumType):
            for value_name, value in gql_type.values.items():
                check(f"{type_name}.{value_name}", value.description)
    for directive in schema.directives:
        if directive.name in ("include", "skip", "deprecated", "specifiedBy", "oneOf"):
            continue
        check(f"@{directive.name}", directive.description)
        for arg_name, arg in directive.args.items():
            check(f"@{directive.name}({arg_name}:)", arg.description)
    return missing


def test_every_schema_element_has_a_description():
    missing = undocumented(build_schema()._schema)
    assert missing == [], "undocumented schema elements:\n  " + "\n  ".join(missing)


def test_the_check_finds_an_undocumented_argument():
    """Guards the guard: a schema with one bare argument is reported by name."""
    from graphql import build_schema as build_sdl

    sdl = '''
    """Root."""
    type Query {
      """A field."""
      hello(
        name: String
      ): String
    }
    '''
    assert undocumented(build_sdl(sdl)) == ["Query.hello(name:)"]
