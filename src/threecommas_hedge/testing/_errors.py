"""Error answers the fake gives, with the API's bodies (``error``, ``error_description``, ...)."""

from __future__ import annotations

from typing import Any

__all__ = [
    "ApiError",
    "forbidden_account",
    "invalid",
    "not_found",
    "signature_invalid",
    "wrong_params",
]


class ApiError(Exception):
    """An error answer: HTTP ``status`` and the JSON body of the API."""

    def __init__(
        self,
        status: int,
        error: str,
        description: str | None = None,
        attributes: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(f"{status} {error}: {description}")
        self.status = status
        self.error = error
        self.description = description
        self.attributes = attributes

    def body(self) -> dict[str, Any]:
        """``{"error", "error_description"[, "error_attributes"]}``."""
        body: dict[str, Any] = {"error": self.error}
        if self.description is not None:
            body["error_description"] = self.description
        if self.attributes is not None:
            body["error_attributes"] = self.attributes
        return body


def signature_invalid() -> ApiError:
    """401: bad key or signature."""
    return ApiError(401, "signature_invalid", "Provided signature is invalid")


def not_found(what: str = "Smart Trade") -> ApiError:
    """404 ``Not found``."""
    return ApiError(404, "Not found", f"{what} not found")


def forbidden_account() -> ApiError:
    """403 for an account the caller cannot use (unknown, or of the other mode)."""
    return ApiError(403, "Forbidden", "Account not owned by current user.")


def invalid(attributes: dict[str, list[str]], status: int = 422) -> ApiError:
    """422 ``record_invalid`` with per-field messages."""
    return ApiError(status, "record_invalid", "Invalid parameters", attributes)


def wrong_params(description: str) -> ApiError:
    """400 ``Wrong param(s)``: the operation is not allowed in the trade's current status."""
    return ApiError(400, "Wrong param(s)", description)
