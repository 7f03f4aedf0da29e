from rest_framework import serializers


class TokenObtainSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, write_only=True, style={"input_type": "password"})
    otp = serializers.CharField(
        required=False, allow_blank=True, max_length=64, default="",
        help_text="The current code of the authenticator app, an unused recovery code, or the latest code sent by "
        "email or SMS (users with MFA).",
    )  # fmt: skip
    otp_channel = serializers.ChoiceField(
        choices=["email", "sms"], required=False, allow_blank=True, default="",
        help_text="Without `otp`: send a sign-in code by email or SMS (where the organisation's security policy "
        "allows it and the person turned it on); answers 401 `mfa_code_sent`. Send the code as `otp` next.",
    )  # fmt: skip
    device_name = serializers.CharField(
        required=False, allow_blank=True, max_length=120, default="",
        help_text="A name for this sign-in (device or script), shown when reviewing tokens.",
    )  # fmt: skip


class RefreshTokenSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=200, trim_whitespace=True)


class TokenPairSerializer(serializers.Serializer):
    token_type = serializers.CharField(default="Bearer")
    access = serializers.CharField(help_text="Send as `Authorization: Bearer <access>`.")
    access_expires_at = serializers.DateTimeField()
    refresh = serializers.CharField(help_text="Keep it secret; each use returns a new one and retires this one.")
    refresh_expires_at = serializers.DateTimeField()


class RevokedAllSerializer(serializers.Serializer):
    families_revoked = serializers.IntegerField()


class TokenErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
