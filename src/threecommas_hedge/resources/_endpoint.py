"""One API call as data: method, path, query or body, and how to read the answer.

The sync and async resources build the same :class:`Endpoint` for a call and differ only in
``client.request`` vs ``await client.request``. Building validates the caller's input (nothing is
sent when it fails); :meth:`Endpoint.result` turns the decoded JSON into the typed model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from threecommas_hedge._encoding import QueryValue
from threecommas_hedge._exceptions import APIResponseValidationError, RequestValidationError

T = TypeVar("T")
ModelT = TypeVar("ModelT", bound=BaseModel)

Query = Mapping[str, QueryValue | None]

_MAX_ERRORS_SHOWN = 5


@dataclass(frozen=True)
class Endpoint(Generic[T]):
    """A request to send and the parser of its 2xx body (``parse`` may raise ValidationError).

    ``body`` is a validated request model (encoded once, when the request is built) or a
    JSON-able value.
    """

    method: str
    path: str
    parse: Callable[[Any], T]
    params: Query | None = None
    body: Any = None
    auth: bool = True

    def result(self, data: Any) -> T:
        """The typed answer; a body that does not fit raises ``APIResponseValidationError``."""
        return read_response(f"{self.method} {self.path}", self.parse, data)


def read_response(source: str, parse: Callable[[Any], T], data: Any) -> T:
    """``parse(data)``, a pydantic ValidationError raised as ``APIResponseValidationError``."""
    try:
        return parse(data)
    except ValidationError as exc:
        raise APIResponseValidationError(
            f"{source}: the response does not fit {exc.title}: {_summary(exc)}"
        ) from exc


def list_of(item: type[T]) -> Callable[[Any], list[T]]:
    """A parser for a bare JSON array of ``item`` (one cached TypeAdapter per item type)."""
    adapter = _LIST_ADAPTERS.get(item)
    if adapter is None:
        adapter = _LIST_ADAPTERS[item] = TypeAdapter(list[item])  # type: ignore[valid-type]
    return adapter.validate_python


_LIST_ADAPTERS: dict[object, TypeAdapter[Any]] = {}


def validated(model: type[ModelT], payload: ModelT | Mapping[str, Any]) -> ModelT:
    """``payload`` as a ``model`` instance: the body to send.

    A plain dict is validated (``RequestValidationError``, a ``ValueError`` keeping pydantic's
    ``errors()``, if it does not fit); a model instance of the right class is taken as is.
    """
    if isinstance(payload, model):
        return payload
    if isinstance(payload, Mapping):
        try:
            return model.model_validate(dict(payload))
        except ValidationError as exc:
            raise RequestValidationError(model.__name__, str(exc), exc.errors()) from exc
    raise TypeError(
        f"expected a {model.__name__} or a dict shaped like its JSON body, "
        f"got {type(payload).__name__}"
    )


def _summary(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False, include_input=False)
    shown = "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or '(body)'}: {error['msg']}"
        for error in errors[:_MAX_ERRORS_SHOWN]
    )
    hidden = len(errors) - _MAX_ERRORS_SHOWN
    return shown + (f" (and {hidden} more)" if hidden > 0 else "")
