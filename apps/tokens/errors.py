class TokenError(Exception):
    """A refused token request: `code` is the machine-readable reason the API returns."""

    def __init__(self, code: str, message: str, status: int = 401, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.retry_after = retry_after


MESSAGES = {
    "invalid_credentials": "The email address or password is incorrect.",
    "mfa_required": (
        "This account uses two-factor authentication: send the current code from your authenticator app "
        "(or an unused recovery code) as “otp”, or, where your organisation allows codes by email or SMS, "
        "send “otp_channel” (email or sms) to receive one."
    ),
    "mfa_invalid": "The two-factor code is not valid. Use the current code from your authenticator app or an unused "
    "recovery code.",
    "token_invalid": "This access token is not valid.",
    "token_expired": "This access token has expired; get a new one with your refresh token.",
    "token_wrong_tenant": "This token was issued for another organisation.",
    "token_revoked": "This token has been revoked; sign in again.",
    "refresh_token_invalid": "This refresh token is not valid.",
    "refresh_token_expired": "This refresh token has expired; sign in again.",
    "refresh_token_revoked": "This refresh token has been revoked; sign in again.",
    "refresh_token_reused": (
        "This refresh token was already used. Every token of this sign-in has been revoked for safety; sign in again."
    ),
}


def token_error(code: str, status: int = 401) -> TokenError:
    return TokenError(code, MESSAGES[code], status)
