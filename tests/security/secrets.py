"""A credential scanner for the repository: what a leaked secret looks like, and the one allowed.

The only credential the project may contain is Azurite's documented development key (public, the same
in every Azurite install: https://learn.microsoft.com/azure/storage/common/storage-use-azurite).
Everything else that looks like a key, token, signature or private key is a finding.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

AZURITE_DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
ALLOWED = frozenset({AZURITE_DEV_KEY})

# kind -> pattern; group "secret" (else the whole match) is what the allow-list is checked against.
PATTERNS: dict[str, re.Pattern[str]] = {
    "storage account key": re.compile(
        r"AccountKey\s*=\s*(?P<secret>[A-Za-z0-9+/]{20,}={0,2})", re.IGNORECASE
    ),
    # Storage account keys are 64 random bytes; npm's sha512 integrity hashes have the same length.
    "base64 key (64 bytes)": re.compile(r"(?<![A-Za-z0-9+/])(?<!sha512-)(?P<secret>[A-Za-z0-9+/]{86}==)"),
    "SAS signature": re.compile(r"[?&;\s\"']sig=(?P<secret>[A-Za-z0-9%+/=]{16,})", re.IGNORECASE),
    "shared access key": re.compile(
        r"SharedAccessKey\s*=\s*(?P<secret>[A-Za-z0-9+/]{20,}={0,2})", re.IGNORECASE
    ),
    "private key": re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b"),
    "bearer token": re.compile(r"\bBearer\s+(?P<secret>[A-Za-z0-9\-._~+/]{20,}=*)"),
    "JSON web token": re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    "Entra client secret": re.compile(r"(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}"),
    "function key": re.compile(
        r"(?:x-functions-key[\"']?\s*[:=]\s*[\"']?|[?&]code=)(?P<secret>[A-Za-z0-9_\-/+]{30,}={0,2})",
        re.IGNORECASE,
    ),
    "instrumentation key": re.compile(r"InstrumentationKey\s*=\s*(?P<secret>[0-9a-f-]{36})", re.IGNORECASE),
    "GitHub token": re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{60,})"),
    "Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "password assignment": re.compile(
        r"(?:password|passwd|pwd)[\"']?\s*[:=]\s*[\"'](?P<secret>[^\"'\s$%{}<>]{8,})[\"']", re.IGNORECASE
    ),
}


@dataclass(frozen=True)
class Finding:
    where: str  # path:line, or commit:path for history
    kind: str

    def __str__(self) -> str:
        return f"{self.where}: {self.kind}"  # never the secret itself


def findings_in(text: str) -> Iterator[tuple[int, str]]:
    """(line number, kind) of every credential in `text` that is not allow-listed."""
    for kind, pattern in PATTERNS.items():
        for match in pattern.finditer(text):
            secret = match.group("secret") if "secret" in pattern.groupindex else match.group(0)
            if secret not in ALLOWED:
                yield text.count("\n", 0, match.start()) + 1, kind


def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, check=True, timeout=60)
    except FileNotFoundError as error:
        raise AssertionError("git is required to list the repository's files") from error
    except subprocess.CalledProcessError as error:
        raise AssertionError(f"git {args[0]} failed in {root}: {error.stderr.decode().strip()}") from error
    return done.stdout.decode("utf-8", errors="replace")


def repository_files(root: Path) -> list[Path]:
    """Every file git tracks, and every new one it would add (not ignored): a secret is caught before
    it is committed."""
    listing = _git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    return [root / name for name in sorted(set(listing.split("\0"))) if name]


def scan_files(paths: Iterable[Path], root: Path) -> list[Finding]:
    """Every tracked text file (binary files, with a NUL byte, cannot carry a readable credential)."""
    found: list[Finding] = []
    for path in paths:
        if not path.is_file():
            continue  # deleted in the working tree; the history scan still sees it
        data = path.read_bytes()
        if b"\0" in data:
            continue
        text = data.decode("utf-8", errors="replace")
        found.extend(Finding(f"{path.relative_to(root)}:{line}", kind) for line, kind in findings_in(text))
    return found


def scan_history(root: Path) -> list[Finding]:
    """Lines added by any commit of any branch: a secret removed later is still in the repository."""
    log = _git(root, "log", "--all", "-p", "--no-color", "--no-ext-diff", "--format=commit %H")
    found: list[Finding] = []
    commit, path = "", ""
    for line in log.splitlines():
        if line.startswith("commit "):
            commit = line[7:19]
        elif line.startswith("+++ "):
            path = line[6:] if line.startswith("+++ b/") else line[4:]
        elif line.startswith("+"):
            found.extend(Finding(f"{commit}:{path}", kind) for _, kind in findings_in(line[1:]))
    return found
