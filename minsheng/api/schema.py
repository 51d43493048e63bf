"""OpenAPI: every operation documents the error responses it can give, in the one
error shape (see errors.py)."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import get_doc
from rest_framework import serializers

from .permissions import IsPerson


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.JSONField())


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


PUBLIC_ERRORS = ("400", "401", "404", "405", "406", "415", "429")
PRIVATE_ERRORS = ("400", "401", "403", "404", "405", "406", "409", "415", "429")
BODY_ERRORS = ("413",)  # an operation that reads a body: one over DATA_UPLOAD_MAX_MEMORY_SIZE (errors._too_much)


class ApiAutoSchema(AutoSchema):
    def get_override_parameters(self):
        """A GET's query parameters are its view's ``query_class`` (views.base.ApiView),
        the same serializer that validates them and lists the accepted names."""
        parameters = super().get_override_parameters()
        query_class = getattr(self.view, "query_class", None)
        if self.method == "GET" and query_class is not None:
            parameters = [query_class, *parameters]
        return parameters

    def _get_parameters(self):
        """An optional query parameter sent empty (`?region=&status=`) is the same as none
        (docs/api.md, views.base.ApiView): declared `allowEmptyValue`, without the `minLength: 1` a
        non-blank field gave it, so a client or gateway checking requests against the document takes
        what the server takes (until 2026-12-05 it refused `?region=`)."""
        parameters = super()._get_parameters()
        for parameter in parameters:
            if parameter.get("in") == "query" and not parameter.get("required"):
                parameter["allowEmptyValue"] = True
                if parameter.get("schema", {}).get("minLength") == 1:
                    parameter["schema"] = {k: v for k, v in parameter["schema"].items() if k != "minLength"}
        return parameters

    def _doc(self):
        """The operation's integrator text (views.base.Documented), never a docstring: those are
        developer notes (ApiView's own, "Base of every endpoint", showed for 14 operations)."""
        return getattr(self.view, "docs", {}).get(self.method.lower())

    def get_summary(self):
        doc = self._doc()
        return doc.summary if doc else None

    def get_description(self):
        doc = self._doc()
        return doc.description if doc else ""

    def _get_request_body(self, direction="request"):
        """A DELETE's body where the view declares one (``DELETE /me/`` reads ``{"password": …}``):
        drf-spectacular declares bodies for PUT, PATCH and POST alone, so the document had none for
        it, and Swagger UI's 试一试 or a client generated from the document could not send the
        password (until 2026-12-05)."""
        if self.method != "DELETE" or self.get_request_serializer() is None:
            return super()._get_request_body(direction)
        self.method = "POST"  # the one check it fails; nothing else it reads depends on the method
        try:
            return super()._get_request_body(direction)
        finally:
            self.method = "DELETE"

    def _map_basic_serializer(self, serializer, direction):
        """A component without its serializer's docstring, a developer note (docs/api.md: shown
        nowhere); until 2026-12-05 it was the component's description in Swagger UI's schemas. A request
        body's says that it takes its fields alone (``additionalProperties: false``)."""
        schema = super()._map_basic_serializer(serializer, direction)
        if schema.get("description") and schema["description"] == get_doc(serializer.__class__):
            del schema["description"]
        if direction == "request":  # a body field not listed is a 400 (views.base.check_body_names; since 2026-12-06)
            schema["additionalProperties"] = False
        return schema

    def _map_response_type_hint(self, method):
        """A computed field (SerializerMethodField) without its method's docstring, for the same reason."""
        schema = super()._map_response_type_hint(method)
        if isinstance(schema, dict) and "description" in schema:
            schema = {k: v for k, v in schema.items() if k != "description"}
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        reads_body = self.method in ("POST", "PUT", "PATCH", "DELETE")
        for code in PRIVATE_ERRORS + (BODY_ERRORS if reads_body else ()):
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code, direction=direction)
        return responses

    def _get_response_headers_for_code(self, status_code, direction="response"):
        headers = super()._get_response_headers_for_code(status_code, direction)
        if status_code == "201" and any(getattr(p, "name", None) == "Idempotency-Key"
                                        for p in self.get_override_parameters()):
            headers = {**(headers or {}), "Idempotent-Replayed": {
                "schema": {"type": "string", "enum": ["true"]},
                "description": "只在重试时出现: 同一 Idempotency-Key 的请求已创建过留言, 返回的是那条留言"}}
        if status_code == "429":
            headers = {**(headers or {}), "Retry-After": {
                "schema": {"type": "integer"}, "description": "秒数: 多久之后可以再试"}}
        return headers


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "minsheng.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "个人 API 令牌: `Token <令牌>` (在 /api/tokens/ 创建); 只读令牌只能 GET/HEAD/OPTIONS,"
                " 其他请求为 403 token_read_only"}


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "minsheng.api.authentication.ApiKeyAuthentication"
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "X-API-Key",
                "description": "Open311 API key (也可作为 api_key 参数); 只能读取公开数据"}

    def get_security_requirement(self, auto_schema):
        # only where no person is needed: it was listed on every operation, and Swagger UI's 试一试 of
        # POST /messages/ with the key read a 403 (an integrator's walk, 2026-12-06)
        if any(isinstance(p, IsPerson) for p in auto_schema.view.get_permissions()):
            return None
        return super().get_security_requirement(auto_schema)
