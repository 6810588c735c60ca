"""Before anything calls AWS: are there credentials and a region? One line with the fix if not.

Offline: the credentials are looked up as boto3 would (environment, AWS_PROFILE, ~/.aws), not
tried; the region is checked against botocore's own list of regions, shipped with it. A
problem an AWS call meets later (an expired session, no network) is put in one line by
`problem`, instead of a traceback.
"""

import difflib
import os
import sys

import boto3
import botocore.exceptions as aws_errors
from botocore.loaders import create_loader

SUMMARY = (
    "AWS access: install the AWS CLI, then `aws configure` (an access key) or `aws configure sso`"
    " and `aws sso login` (Identity Center); AWS_PROFILE=name picks a profile. On Windows, use"
    " WSL. README 'Prerequisites' says which rights the stack needs."
)
EXPIRED = {
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
}


def known_regions() -> set[str]:
    """Every region botocore knows, in every partition (aws, aws-cn, aws-us-gov, ...)."""
    partitions = create_loader().load_data("endpoints")["partitions"]
    return {region for p in partitions for region in p.get("regions", {})}


def region_problem(region: str) -> str | None:
    if region in known_regions():
        return None
    near = difflib.get_close_matches(region, sorted(known_regions()), n=2)
    hint = f"; did you mean {' or '.join(near)}?" if near else ", like eu-central-1"
    return f"{region!r} is not an AWS region{hint}"


def configured_region() -> str:
    """The region the AWS configuration gives (AWS_REGION, AWS_DEFAULT_REGION, the profile)."""
    try:
        return os.environ.get("AWS_REGION") or boto3.Session().region_name or ""
    except aws_errors.ProfileNotFound:
        return ""


def check(region: str | None) -> str | None:
    """The one-line problem with this machine's AWS access, or None when it looks usable."""
    try:
        session = boto3.Session(region_name=region or os.environ.get("AWS_REGION") or None)
        credentials = session.get_credentials()
    except aws_errors.ProfileNotFound:
        return f"AWS_PROFILE={os.environ.get('AWS_PROFILE')} names no profile in ~/.aws. " + SUMMARY
    if credentials is None:
        return "no AWS credentials on this machine. " + SUMMARY
    if not session.region_name:
        return "no AWS region: make deploy asks for one, or set AWS_DEFAULT_REGION=eu-central-1"
    return region_problem(session.region_name)


def problem(exc: BaseException) -> str | None:
    """One line for an error an AWS call met, when it is about access rather than a bug."""
    if isinstance(exc, aws_errors.NoCredentialsError | aws_errors.PartialCredentialsError):
        return "no AWS credentials on this machine. " + SUMMARY
    if isinstance(exc, aws_errors.NoRegionError):
        return "no AWS region: make deploy asks for one, or set AWS_DEFAULT_REGION=eu-central-1"
    if isinstance(exc, aws_errors.ProfileNotFound):
        return f"{exc}. " + SUMMARY
    if isinstance(exc, aws_errors.TokenRetrievalError | aws_errors.SSOError):
        return "your AWS sign-in has expired: aws sso login (then try again)"
    if isinstance(exc, aws_errors.EndpointConnectionError | aws_errors.ConnectTimeoutError):
        return "cannot reach AWS: check this machine's network connection, then try again"
    if isinstance(exc, aws_errors.ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        if code in EXPIRED:
            return f"AWS refused the credentials ({code}): aws sso login, or aws configure"
        if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
            return (
                f"AWS denied this ({code}): the user needs the rights README 'Prerequisites' lists"
            )
    return None


def main(argv: list[str]) -> int:
    """`python -m tools.deploy.aws_access [REGION]`: exit 1 with one line when AWS is unusable."""
    found = check(argv[0] if argv else None)
    if found:
        print(f"error: {found}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
