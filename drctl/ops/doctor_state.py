"""Doctor rows for the Pulumi state backend and the secrets provider: both must be readable when the primary
region (us-east-1) is down, and the runners must use the same ones as the engineer's shell."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

from botocore.exceptions import ClientError

from drctl.ops.aws import client, error_code
from drctl.ops.checks import FAIL, NOT_VERIFIABLE, PASS, WARN, Check
from drctl.ops.doctor_context import Context

BACKEND_URL = "state backend url"
SECRETS = "secrets key"
PULUMI_CLOUD = ("https://api.pulumi.com", "https://app.pulumi.com")


@dataclass(frozen=True)
class StateUrl:
    text: str
    scheme: str
    bucket: str  # s3: the bucket; otherwise the URL's host
    path: str
    region: str | None  # the ?region= parameter

    @property
    def cloud(self) -> bool:
        return self.text.rstrip("/") in PULUMI_CLOUD


def parse_state_url(text: str) -> StateUrl:
    url = urlparse(text.strip())
    region = parse_qs(url.query).get("region", [None])[0]
    return StateUrl(text.strip(), url.scheme, url.netloc, url.path.rstrip("/"), region)


def same_backend(a: str, b: str) -> bool:
    """Two backend URLs name the same state: scheme, bucket, prefix and region (other parameters aside)."""
    x, y = parse_state_url(a), parse_state_url(b)
    if x.cloud or y.cloud:
        return x.cloud and y.cloud
    return (x.scheme, x.bucket, x.path, x.region) == (y.scheme, y.bucket, y.path, y.region)


def backend_in_use(ctx: Context) -> tuple[str | None, str]:
    """The backend `pulumi` would use from this shell, and where that comes from: PULUMI_BACKEND_URL, then
    backend.url in Pulumi.yaml (then the current `pulumi login`, which only `pulumi whoami -v` tells)."""
    if ctx.backend_env:
        return ctx.backend_env, "PULUMI_BACKEND_URL"
    url = (ctx.project_document().get("backend") or {}).get("url")
    if url:
        return str(url), "backend.url in Pulumi.yaml"
    return None, ""


def backend_url_row(ctx: Context) -> Check:
    """The shell's backend is site.stateBackendUrl, the one the runners use (their buildspec sets it)."""
    site = ctx.settings.site.state_backend_url
    url, source = backend_in_use(ctx)
    if url is None:
        return Check(BACKEND_URL, WARN, "PULUMI_BACKEND_URL is not set (nor backend.url in Pulumi.yaml): pulumi uses its current "
                                        f"login (pulumi whoami -v); export PULUMI_BACKEND_URL='{site}', the runners' backend (site.stateBackendUrl)")
    if not same_backend(url, site):
        return Check(BACKEND_URL, FAIL, f"{source} names {url}, but the runners use site.stateBackendUrl {site}: "
                                        "two backends would hold two states of one stack")
    return Check(BACKEND_URL, PASS, f"{source} is site.stateBackendUrl, the runners' backend: {site}")


def state_target(ctx: Context) -> tuple[str, bool]:
    """The backend URL the state row checks (the shell's, else the site's) and whether it is the site's."""
    url, _ = backend_in_use(ctx)
    return (url, False) if url else (ctx.settings.site.state_backend_url, True)


def state_label(url: str) -> str:
    parsed = parse_state_url(url)
    return "state bucket" if parsed.scheme == "s3" else "state backend"


def state_row(ctx: Context, url_text: str) -> Check:
    """An S3 backend's bucket is outside the primary region, where its URL says, and versioned."""
    url = parse_state_url(url_text)
    label = state_label(url_text)
    primary = ctx.settings.regions.primary
    if url.cloud:
        return Check(label, PASS, f"Pulumi Cloud ({url.text}): the state is not in the account")
    if url.scheme == "file":
        return Check(label, FAIL, f"{url.text}: a state on this machine, which the runners cannot read")
    if url.scheme != "s3":
        return Check(label, WARN, f"{url.text}: not an S3 bucket; where it lives is {NOT_VERIFIABLE}")
    try:
        location = client("s3", url.region or ctx.region).get_bucket_location(Bucket=url.bucket).get("LocationConstraint") or "us-east-1"
    except ClientError as error:
        if error_code(error) == "NoSuchBucket":
            return Check(label, FAIL, f"{url.bucket} not found: create it outside {primary}, with versioning (docs/deploy.md)")
        raise
    location = "eu-west-1" if location == "EU" else location
    problems = []
    if location == primary:
        problems.append(f"it is in {primary}: the state must be readable when {primary} is down")
    if url.region and url.region != location:
        problems.append(f"it is in {location}, but the URL says region={url.region}")
    versioning = client("s3", location).get_bucket_versioning(Bucket=url.bucket).get("Status") or "not enabled"
    if versioning != "Enabled":
        problems.append(f"versioning is {versioning}: an overwritten state could not be recovered")
    if problems:
        return Check(label, FAIL, f"{url.bucket}: " + "; ".join(problems))
    return Check(label, PASS, f"{url.bucket} in {location}, versioning Enabled")


def parse_awskms(url: str) -> tuple[str, str | None]:
    """(key id, alias or ARN; region or None) of an awskms:// secrets provider URL:
    awskms://alias/NAME?region=R, awskms://KEY-ID?region=R, awskms:///arn:aws:kms:R:ACCOUNT:key/ID."""
    parsed = urlparse(url)
    key = (parsed.netloc + parsed.path).strip("/")
    region = parse_qs(parsed.query).get("region", [None])[0]
    return key, region


def secrets_row(ctx: Context) -> Check:
    """The stack's secrets provider is the KMS key the runners may use (site.stateKmsKeyArn), enabled, outside
    the primary region. Read from the stack file's `secretsprovider`; before `pulumi stack init`, the site's key."""
    s = ctx.settings
    site_key = s.site.state_kms_key_arn
    name = ctx.stack_file.name
    document = ctx.stack_document()
    provider = document.get("secretsprovider")
    init = f"pulumi stack init {ctx.stack} --secrets-provider 'awskms:///{site_key}?region={site_key.split(':')[3]}'"
    if provider and not str(provider).startswith("awskms://"):
        scheme = str(provider).split("://", 1)[0]
        return Check(SECRETS, FAIL, f"{name} uses the {scheme} secrets provider, but the runners decrypt with the KMS key "
                                    "site.stateKmsKeyArn (awskms://)")
    if not provider and document.get("encryptionsalt"):
        return Check(SECRETS, FAIL, f"{name} uses the passphrase secrets provider, but the runners decrypt with the KMS key "
                                    f"site.stateKmsKeyArn: pulumi stack change-secrets-provider --stack {ctx.stack} "
                                    f"'awskms:///{site_key}?region={site_key.split(':')[3]}'")
    if provider:
        key, region = parse_awskms(str(provider))
        source = f"{name} secretsprovider"
    else:
        key, region = site_key, None
        source = f"site.stateKmsKeyArn; {name} names no secrets provider yet: {init}"
    arn_region = key.split(":")[3] if key.startswith("arn:") and key.count(":") >= 5 else None
    if region and arn_region and region != arn_region:
        return Check(SECRETS, FAIL, f"{key} is in {arn_region}, but the URL says region={region}")
    region = region or arn_region
    if region is None:
        return Check(SECRETS, FAIL, f"{provider} names no region: the key would depend on AWS_REGION where pulumi runs; "
                                    f"add ?region= (a region other than {s.regions.primary})")
    if region == s.regions.primary:
        return Check(SECRETS, FAIL, f"{key} is in {region} ({source}): the secrets must be readable when {region} is down")
    kms = client("kms", region)
    try:
        meta = kms.describe_key(KeyId=key)["KeyMetadata"]
    except kms.exceptions.NotFoundException:
        return Check(SECRETS, FAIL, f"{key} not found in {region} ({source})")
    problems = []
    if meta.get("KeyState") != "Enabled":
        problems.append(f"it is {meta.get('KeyState')}, not Enabled")
    if provider and meta.get("Arn") != site_key:
        problems.append(f"it is {meta.get('Arn')}, but the runners' role may use only site.stateKmsKeyArn {site_key}")
    shown = key if key == meta.get("Arn") else f"{key} ({meta.get('Arn')})"
    if problems:
        return Check(SECRETS, FAIL, f"{shown}: " + "; ".join(problems))
    return Check(SECRETS, PASS, f"{shown} in {region}, Enabled ({source})")


PAGERDUTY_TOKEN = "pagerduty token"


def pagerduty_token_row(ctx: Context) -> Check:
    """The dr runner exports PAGERDUTY_TOKEN from this Secrets Manager secret (runner.pagerdutyTokenSecret): without
    it the runner's build cannot start, and the dr stack cannot manage the on-call schedules and services."""
    s = ctx.settings
    name = s.runner.pagerduty_token_secret
    try:
        secret = client("secretsmanager", s.region).describe_secret(SecretId=name)
    except ClientError as error:
        if error_code(error) != "ResourceNotFoundException":
            raise
        return Check(PAGERDUTY_TOKEN, FAIL, f"no secret {name} in {s.region}: aws secretsmanager create-secret --region {s.region} "
                                            f"--name {name} --secret-string \"$PAGERDUTY_TOKEN\" (the dr runner's PAGERDUTY_TOKEN)")
    if secret.get("DeletedDate"):
        return Check(PAGERDUTY_TOKEN, FAIL, f"{name} in {s.region} is scheduled for deletion: aws secretsmanager restore-secret "
                                            f"--region {s.region} --secret-id {name}")
    return Check(PAGERDUTY_TOKEN, PASS, f"{name} in {s.region} (the dr runner exports it as PAGERDUTY_TOKEN; its value is not read)")
