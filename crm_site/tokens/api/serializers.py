from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import ApiToken


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, write_only=True)


class TokenIssuedSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("Send as 'Authorization: Token <token>'. Shown only this once."))
    expiry = serializers.DateTimeField(help_text=_("The token stops working at this time."))


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token without its secret."""

    username = serializers.CharField(source="user.username", read_only=True)
    prefix = serializers.CharField(read_only=True, help_text=_("First characters of the secret."))
    current = serializers.SerializerMethodField(help_text=_("The token this request was made with."))

    class Meta:
        model = ApiToken
        fields = ["id", "user", "username", "prefix", "created", "expiry", "last_used_at", "current"]
        read_only_fields = fields

    def get_current(self, token) -> bool:
        request = self.context.get("request")
        return isinstance(getattr(request, "auth", None), ApiToken) and request.auth.pk == token.pk
