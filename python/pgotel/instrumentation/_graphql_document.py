"""The GraphQL document for the operation span (opt-in): literals replaced, length capped."""

from __future__ import annotations

from typing import Any

#: `graphql.document` is cut at this many characters.
MAX_DOCUMENT_CHARS = 4096


def safe_document(operation: Any, fragments: dict[str, Any]) -> str:
    """The operation and its fragments as GraphQL text, with every string, number, list and
    object literal replaced (`""`, `0`, `[]`, `{}`): they can hold user data. Variables, enum
    and boolean values stay: they name things, they do not carry them."""
    from graphql import print_ast
    from graphql.language import (
        FloatValueNode,
        IntValueNode,
        ListValueNode,
        ObjectValueNode,
        StringValueNode,
        Visitor,
        visit,
    )

    class _Strip(Visitor):
        def enter_string_value(self, node: Any, *_: Any) -> Any:
            return StringValueNode(value="", block=False)

        def enter_int_value(self, node: Any, *_: Any) -> Any:
            return IntValueNode(value="0")

        def enter_float_value(self, node: Any, *_: Any) -> Any:
            return FloatValueNode(value="0")

        def enter_list_value(self, node: Any, *_: Any) -> Any:
            return ListValueNode(values=())

        def enter_object_value(self, node: Any, *_: Any) -> Any:
            return ObjectValueNode(fields=())

    parts = [print_ast(visit(operation, _Strip()))]
    parts.extend(print_ast(visit(f, _Strip())) for f in fragments.values())
    text = "\n\n".join(parts)
    return text[:MAX_DOCUMENT_CHARS]
