"""Typed errors. Every message is safe to log: it never holds a secret, and says what to do.

`code` is a short stable name used in logs, metrics and the `error` pushed to ChargeHQ.
`push_to_chargehq` says whether the run should tell ChargeHQ that readings are missing
(so the app shows the problem) before the error is raised to Lambda.
"""

from typing import ClassVar


class BridgeError(Exception):
    """Base of every error this project raises on purpose."""

    code: ClassVar[str] = "error"
    push_to_chargehq: ClassVar[bool] = False


# --- configuration -------------------------------------------------------------------------
class ConfigError(BridgeError):
    """A setting (environment variable / template parameter) is missing or invalid."""

    code = "bad_setting"


class SecretError(BridgeError):
    """The secret is missing, unreadable, not JSON, or still holds placeholders."""

    code = "secret"


class StateError(BridgeError):
    """The state parameter in SSM could not be read or written (access denied, throttled...)."""

    code = "state"


class StateNotSaved(StateError):
    """The state could not be saved before a login or readings that depend on it: not made."""

    push_to_chargehq = True


class InternalError(BridgeError):
    """An exception this project did not expect (a bug): reported like any other failure."""

    code = "internal_error"
    push_to_chargehq = True

    @classmethod
    def of(cls, exc: BaseException) -> "InternalError":
        """Name the exception and where it was raised, never its message (it may hold data)."""
        where = ""
        tb = exc.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        if tb is not None:
            code = tb.tb_frame.f_code
            where = f" in {code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno} ({code.co_name})"
        return cls(
            f"unexpected {type(exc).__name__}{where}: no readings this run. This is a bug; "
            "please report this line. Deleting the state parameter starts over if it repeats."
        )


# --- readings could not be had: ChargeHQ is told with an `error` push -----------------------
class ReadingsUnavailable(BridgeError):
    """No trustworthy readings this run."""

    code = "readings_unavailable"
    push_to_chargehq = True


class ReadingsIncomplete(ReadingsUnavailable):
    """Readings arrived but a value needed for the site meters is unknown."""

    code = "readings_incomplete"


class FusionSolarError(ReadingsUnavailable):
    """Base for FusionSolar failures."""

    code = "fusionsolar"


class CredentialsRejected(FusionSolarError):
    """FusionSolar refused the user name / system code (or the account is locked)."""

    code = "credentials_rejected"


class AccountLocked(FusionSolarError):
    """Logging in is not attempted now, to avoid locking (or re-locking) the account."""

    code = "login_blocked"


class PlantNotFound(FusionSolarError):
    """The configured STATION matches no plant the account can see."""

    code = "plant_not_found"


class QuotaExceeded(FusionSolarError):
    """Huawei refused the call for its quota (407, HTTP 403/429, 20618). Not retried."""

    code = "quota_exceeded"


class ApiAccessOff(FusionSolarError):
    """The plant owner switched "Access to API" off for this account (failCode 20056)."""

    code = "api_access_off"


class CallTooSoon(FusionSolarError):
    """Our own pacing refused a call that would break Huawei's 5-minute quota."""

    code = "call_too_soon"


class StateBusy(CallTooSoon):
    """Another run, manual invoke or `make status` holds the state's lease: this one reads
    nothing (the next scheduled run does), so two never spend Huawei's quota or log in at once."""

    code = "state_busy"


class FusionSolarUnavailable(FusionSolarError):
    """Timeouts, connection errors, 5xx, HTML, empty or truncated bodies."""

    code = "fusionsolar_unavailable"


class UnexpectedResponse(FusionSolarError):
    """A well-formed reply we do not understand (unknown failCode, missing fields...)."""

    code = "unexpected_response"


# --- ChargeHQ ---------------------------------------------------------------------------------
class ChargeHqError(BridgeError):
    """The push to ChargeHQ failed."""

    code = "chargehq"


class ChargeHqRejected(ChargeHqError):
    """ChargeHQ answered with a non-2xx status other than 5xx."""

    code = "chargehq_rejected"
    status: int | None = None  # the HTTP status ChargeHQ answered (404/410: perhaps gone)


class ChargeHqUnavailable(ChargeHqError):
    """ChargeHQ timed out, refused the connection, or answered 5xx."""

    code = "chargehq_unavailable"


class ChargeHqGone(ChargeHqError):
    """ChargeHQ's push API has not answered for a day: its name does not resolve or it answers
    404/410. ChargeHQ is closing; the message says which other sinks there are."""

    code = "chargehq_gone"


# --- the other sinks (sinks/) -------------------------------------------------------------------
class SinkError(BridgeError):
    """A push to a sink other than ChargeHQ failed."""

    code = "sink"


class HassUnavailable(SinkError):
    """Home Assistant timed out, refused the connection, or answered 5xx."""

    code = "hass_unavailable"


class HassRejected(SinkError):
    """Home Assistant answered with a 4xx (a refused address, an unreachable proxy)."""

    code = "hass_rejected"


class HassWebhookUnknown(SinkError):
    """Home Assistant answered, but no POST-only webhook is registered under the URL's id (a
    GET got 200, not the 405 a registered webhook answers): the package is not loaded."""

    code = "hass_webhook_unknown"


class PvOutputUnavailable(SinkError):
    """PVOutput timed out, refused the connection, or answered 5xx."""

    code = "pvoutput_unavailable"


class PvOutputRejected(SinkError):
    """PVOutput refused the status (400/401/403): its own text says why. Never retried."""

    code = "pvoutput_rejected"


class PvOutputRateLimited(PvOutputRejected):
    """PVOutput's hourly request limit is used up: no status until it resets."""

    code = "pvoutput_rate_limited"


class PvOutputDateRefused(PvOutputRejected):
    """PVOutput refused the status's date as in the future or too old: almost always the plant's
    time zone (PlantTimezone) is wrong or missing. Every status fails until it is fixed."""

    code = "pvoutput_date_refused"
